// Defect regions while rating: drag a box over the image to mark a defect under the criterion being
// scored, then type a word for it; boxes are drawn over the image and saved with the vote.
import { h } from './dom';
import { CRITERION_TEXT, type Criterion } from '../../src/shared/criteria';
import type { DefectRegion } from '../../src/shared/runRecord';
import { boxFraction, containedRect, isTooSmall } from '../view/regions';

export interface RegionHost {
  regions: DefectRegion[];
  criterion(): Criterion;
  /** A region was added or its word changed. */
  changed(): void;
}

/** Puts the region layer over `img` inside `stage`; returns the word input to show beside the scores. */
export function attachRegions(stage: HTMLElement, img: HTMLImageElement, host: RegionHost): HTMLElement {
  const layer = h('div', { class: 'region-layer', 'data-testid': 'region-layer' });
  stage.append(layer);
  const imageRect = () => {
    const s = stage.getBoundingClientRect();
    const i = img.getBoundingClientRect();
    const r = containedRect(
      { left: i.left, top: i.top, width: i.width, height: i.height },
      { width: img.naturalWidth, height: img.naturalHeight },
    );
    return { ...r, stageLeft: s.left, stageTop: s.top };
  };
  const draw = () => {
    const r = imageRect();
    Object.assign(layer.style, {
      left: `${r.left - r.stageLeft}px`,
      top: `${r.top - r.stageTop}px`,
      width: `${r.width}px`,
      height: `${r.height}px`,
    });
    layer.replaceChildren(
      ...host.regions.map((g) => {
        const box = h(
          'div',
          { class: 'region', 'data-criterion': g.criterion, title: `${CRITERION_TEXT[g.criterion].label}: ${g.word}` },
          h('span', {}, `${CRITERION_TEXT[g.criterion].label[0]} · ${g.word}`),
        );
        Object.assign(box.style, { left: `${g.x * 100}%`, top: `${g.y * 100}%`, width: `${g.w * 100}%`, height: `${g.h * 100}%` });
        return box;
      }),
    );
  };
  img.addEventListener('load', draw);
  if (img.complete) requestAnimationFrame(draw);
  const word = h('input', {
    type: 'text',
    class: 'note region-word',
    placeholder: 'Drag a box on the image to mark a defect, then name it',
    'aria-label': 'Defect word',
    'data-testid': 'region-word',
    maxlength: 80,
    disabled: true,
  });
  word.addEventListener('input', () => {
    const last = host.regions[host.regions.length - 1];
    if (!last) return;
    last.word = word.value.trim() || 'defect';
    host.changed();
    draw();
  });
  let start: { x: number; y: number } | undefined;
  stage.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    start = { x: e.clientX, y: e.clientY };
    stage.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  stage.addEventListener('pointerup', (e) => {
    if (!start) return;
    const box = boxFraction(start, { x: e.clientX, y: e.clientY }, imageRect());
    start = undefined;
    if (isTooSmall(box)) return;
    host.regions.push({ ...box, criterion: host.criterion(), word: 'defect' });
    host.changed();
    draw();
    word.disabled = false;
    word.value = '';
    word.placeholder = `What is wrong there (${CRITERION_TEXT[host.criterion()].label.toLowerCase()})?`;
    word.focus();
  });
  return word;
}
