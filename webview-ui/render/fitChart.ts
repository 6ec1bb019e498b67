// Charts drawn at the width their figure really gets. An SVG drawn at a fixed width and scaled to the
// panel shrinks its text with it (11 px labels were 7 px in a 400 px panel); drawn at its own width,
// one unit is one CSS pixel and the text keeps its size at every width.

type Draw = (width: number) => SVGSVGElement;

interface Fitted {
  draw: Draw;
  width: number;
  kind: string;
}

const fitted = new WeakMap<Element, Fitted>();
/** The width each kind of chart last got: a chart drawn again (every image that arrives) starts there. */
const lastWidth = new Map<string, number>();

let observer: ResizeObserver | undefined;

function resized(entries: ResizeObserverEntry[]): void {
  for (const e of entries) {
    const f = fitted.get(e.target);
    if (!f) continue;
    if (!e.target.isConnected) {
      observer?.unobserve(e.target);
      fitted.delete(e.target);
      continue;
    }
    const width = Math.round(e.contentRect.width);
    if (width < 1 || Math.abs(width - f.width) < 2) continue;
    lastWidth.set(f.kind, width);
    e.target.querySelector(':scope > svg')?.replaceWith(f.draw(width));
    f.width = width;
  }
}

/**
 * The chart's SVG, drawn now at the width this kind of chart last had (else `initial`) and again
 * whenever `figure` (which must hold it as a direct child) changes width.
 */
export function fitChart(figure: HTMLElement, kind: string, initial: number, draw: Draw): SVGSVGElement {
  const width = lastWidth.get(kind) ?? initial;
  fitted.set(figure, { draw, width, kind });
  (observer ??= new ResizeObserver(resized)).observe(figure);
  return draw(width);
}
