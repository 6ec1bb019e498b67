// The grid as laid out by planGrid: one block per z value, spanning column headers per x axis, a
// group heading per outer y value, and the layout control that moves an axis across, down or into
// separate grids. The cells themselves are drawn by the caller (CellView).
import { axisName, DIRECTIONS, type Direction, type GridBlock, type GridPlan, type LayoutChoice } from '../../src/shared/gridLayout';
import { h } from './dom';

const DIRECTION_WORDS: Record<Direction, string> = { x: 'across', y: 'down', z: 'separate grids' };

/**
 * One select per axis (across / down / separate grids). Moving an axis puts it innermost in its new
 * direction; the result is the whole new choice.
 */
export function renderLayoutControl(plan: GridPlan, change: (choice: LayoutChoice) => void): HTMLElement {
  const bar = h('div', { class: 'layout-control', role: 'group', 'aria-label': 'Grid layout', 'data-testid': 'layout-control' });
  if (plan.axes.length < 2) {
    bar.hidden = true;
    return bar;
  }
  bar.append(h('span', { class: 'muted' }, 'Layout'));
  for (const a of plan.axes) {
    const current = DIRECTIONS.find((d) => plan.layout[d].includes(a.name)) ?? 'z';
    const select = h('select', { 'data-testid': `layout-${a.name}`, 'aria-label': `Where ${axisName(a.name)} go` });
    for (const d of DIRECTIONS) select.append(h('option', { value: d, selected: d === current }, DIRECTION_WORDS[d]));
    select.addEventListener('change', () => {
      const to = select.value as Direction;
      const next: LayoutChoice = { x: [], y: [], z: [] };
      for (const d of DIRECTIONS) next[d] = plan.layout[d].filter((n) => n !== a.name);
      next[to].push(a.name);
      change(next);
    });
    bar.append(h('label', { class: 'layout-axis', title: `${a.values.length} values` }, `${axisName(a.name)} `, select));
  }
  return bar;
}

export type CellMaker = (key: string) => HTMLElement | undefined;

/** The elements of one block: its title, header rows and image rows (each a .grid-row). */
export function renderBlock(block: GridBlock, columns: number, cell: CellMaker, label: string): HTMLElement {
  const el = h('div', { class: 'grid-block', role: 'grid', 'aria-label': block.title ? `${label}: ${block.title}` : label });
  el.style.setProperty('--columns', String(columns));
  const hasRowHeads = block.rows.some((r) => r.label !== '');
  el.classList.toggle('no-row-heads', !hasRowHeads);
  // Row heads as wide as the longest label (up to 8em, then it wraps), the same in every row so the
  // columns line up: in a narrow panel the images get the rest.
  const longest = Math.max(0, ...block.rows.map((r) => r.label.length));
  if (hasRowHeads) el.style.setProperty('--row-head', `clamp(3.5em, ${longest + 1}ch, 8em)`);
  // Grid line of the first image column: after the row heads, or the first when there are none.
  const first = hasRowHeads ? 2 : 1;
  if (block.title) el.append(h('h3', { class: 'block-title', 'data-testid': 'grid-block-title' }, block.title));
  block.columnHeads.forEach((level, i) => {
    const row = h('div', { class: `grid-row head level-${i}`, role: 'row' }, h('div', { class: 'corner', role: 'presentation' }));
    for (const span of level) {
      const head = h('div', { class: 'col-head', role: 'columnheader', title: span.title, 'data-testid': 'col-head' }, span.text);
      head.style.gridColumn = `${span.start + first} / span ${span.span}`;
      row.append(head);
    }
    el.append(row);
  });
  for (const r of block.rows) {
    for (const [depth, g] of r.groups.entries()) {
      el.append(
        h(
          'div',
          { class: `grid-row head group-head depth-${depth}`, role: 'row' },
          h('div', { class: 'group-title', role: 'rowheader', 'data-testid': 'row-group' }, g),
        ),
      );
    }
    const row = h(
      'div',
      { class: 'grid-row', role: 'row' },
      h('div', { class: 'row-head', role: 'rowheader', title: r.title, 'data-testid': 'row-head' }, r.label),
    );
    r.keys.forEach((key, c) => {
      const view = key ? cell(key) : undefined;
      const slot = view ?? h('div', { class: 'cell hole', role: 'gridcell' });
      slot.style.gridColumn = String(c + first);
      row.append(slot);
    });
    el.append(row);
  }
  return el;
}
