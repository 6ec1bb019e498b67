// Tables that fit the panel. A table wider than the panel would hide its right-hand columns behind a
// sideways scroll (the summary's VRAM and cost at the default 526 px); it turns into one card per
// row instead, every value under its column's name (panel.css, table.stacked).

/** Names each body cell after its column header (data-label), which the stacked cards show. */
function labelCells(table: HTMLTableElement): void {
  const heads = [...(table.tHead?.rows[0]?.cells ?? [])];
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      let col = 0;
      for (const cell of row.cells) {
        const head = heads[col];
        if (head && !cell.dataset.label) cell.dataset.label = head.textContent?.trim() ?? '';
        // The header's explanation (what a VRAM figure counts), on the value it now stands over.
        if (head?.title && !cell.title) cell.title = head.title;
        col += cell.colSpan;
      }
    }
  }
}

/** Stacks every `table.summary` under `root` that is wider than `root` laid out as a table. */
export function fitTables(root: HTMLElement): void {
  const tables = [...root.querySelectorAll<HTMLTableElement>('table.summary')];
  if (!tables.length) return;
  for (const t of tables) t.classList.remove('stacked');
  const room = root.clientWidth;
  // Measured all at once (one layout), then stacked: the widths do not depend on each other.
  const wide = tables.filter((t) => t.offsetWidth > room + 1);
  for (const t of wide) {
    labelCells(t);
    t.classList.add('stacked');
  }
}

/**
 * Fits the tables under each root whenever the root changes size: the panel is resized, or a table
 * is drawn anew (its height changes). Called before paint, so an unfitted table is never seen.
 */
export function keepTablesFitted(...roots: HTMLElement[]): void {
  const observer = new ResizeObserver((entries) => {
    for (const e of entries) fitTables(e.target as HTMLElement);
  });
  for (const r of roots) observer.observe(r);
}
