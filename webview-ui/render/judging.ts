// The panel's judging tools in one place: pick two images to compare, blind rating, run history
// and a second run beside this one, exports. main.ts only places what this builds.
import type { LoadedRun, Requests } from '../../src/protocol/messages';
import type { Ask } from '../../src/protocol/messenger';
import { cellLabel, cellViewState, imageUrl, tooLargeToShow } from '../view/cells';
import { CompareDialog } from './compare';
import { h } from './dom';
import { renderGridPng } from './exportGrid';
import { renderHistory, renderRunComparison } from './history';
import { RatingDialog } from './rating';
import { renderQuality } from './ratingResults';
import type { LayoutChoice } from '../../src/shared/gridLayout';
import { regionsByCell } from '../../src/shared/regions';
import type { QualitySummary } from '../../src/shared/quality';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

export interface JudgingHost {
  record(): RunRecord | undefined;
  imageBase(): string;
  runDir(): string;
  grid(): HTMLElement;
  /** The grid layout shown, which the exported PNG follows. */
  layout(): Partial<LayoutChoice> | undefined;
  request: Ask<Requests>;
  notice(text: string | undefined, kind?: 'info' | 'error'): void;
}

const canShow = (c: CellRecord) => !!c.images[0] && ['done', 'cached'].includes(cellViewState(c));

export class Judging {
  /** Mean scores of the run's ratings, under the summary. */
  readonly quality = h('section', { class: 'quality-section', 'aria-label': 'Ratings', hidden: true });
  /** A second run beside this one. */
  readonly comparison = h('div', { class: 'comparison-slot' });
  readonly compare = new CompareDialog();
  readonly rating: RatingDialog;
  readonly history = h('dialog', { class: 'history-dialog', 'aria-label': 'Run history' });
  #host: JudgingHost;
  #picked: string[] = [];
  #picking = false;
  #other: LoadedRun | undefined;
  #qualityFor = '';

  constructor(host: JudgingHost) {
    this.#host = host;
    this.rating = new RatingDialog({
      cells: () => host.record()?.cells ?? [],
      stats: () => host.record()?.stats ?? [],
      imageSrc: (file) => imageUrl(host.imageBase(), file),
      save: async (votes) => {
        const q = await host.request('saveRatings', { votes, blind: true });
        this.#showQuality(q);
        return { summary: q, saved: 'saved as your round under ratings/' };
      },
    });
    this.history.addEventListener('click', (e) => {
      if (e.target === this.history) this.history.close();
    });
    host.grid().addEventListener('click', (e) => this.#pickClick(e), true);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.#picking) this.#endPicking();
    });
    // A click anywhere else closes the export menu, as a menu does.
    document.addEventListener('click', (e) => {
      for (const m of document.querySelectorAll<HTMLDetailsElement>('details.menu[open]'))
        if (!m.contains(e.target as Node)) m.open = false;
    });
  }

  /** The header's buttons. */
  actions(): HTMLElement[] {
    const record = this.#host.record();
    const running = record?.status === 'running';
    const images = record?.cells.filter(canShow).length ?? 0;
    // A run still going is rated on the images it has finished (each round is the rater's own file).
    const rate = h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-testid': 'start-rating',
        disabled: images === 0,
        title: running
          ? 'Score the finished images without seeing their settings (the run goes on)'
          : 'Score the images without seeing their settings',
      },
      'Blind rating',
    );
    rate.addEventListener('click', () => this.rating.open());
    const cmp = h(
      'button',
      {
        type: 'button',
        class: `secondary${this.#picking ? ' active' : ''}`,
        'data-testid': 'pick-compare',
        disabled: images < 2,
        'aria-pressed': String(this.#picking),
        title: 'Pick two images in the grid to compare',
      },
      this.#picking ? 'Pick 2 images… (Esc)' : 'Compare',
    );
    cmp.addEventListener('click', () => (this.#picking ? this.#endPicking() : this.#startPicking()));
    const hist = h('button', { type: 'button', class: 'secondary', 'data-testid': 'open-history' }, 'History');
    hist.addEventListener('click', () => void this.#openHistory());
    return [rate, cmp, hist, this.#exportMenu(!!record)];
  }

  #exportMenu(enabled: boolean): HTMLElement {
    const menu = h('details', { class: 'menu' });
    const item = (text: string, run: () => Promise<unknown>, testid?: string) => {
      const b = h('button', { type: 'button', class: 'menu-item', role: 'menuitem', disabled: !enabled, 'data-testid': testid }, text);
      b.addEventListener('click', () => {
        menu.open = false;
        run().catch((e: Error) => this.#host.notice(e.message, 'error'));
      });
      return b;
    };
    menu.append(
      h('summary', { class: 'secondary-button', 'data-testid': 'export-menu' }, 'Export ▾'),
      h(
        'div',
        { class: 'menu-items', role: 'menu' },
        item('Grid as PNG…', () => this.#exportGrid('file')),
        item('Grid as PNG into the run folder', () => this.#exportGrid('runFolder'), 'export-grid-run'),
        h('hr'),
        item('Copy summary as Markdown', () => this.#host.request('exportTable', { format: 'markdown', to: 'clipboard' }), 'export-md'),
        item('Copy summary as CSV', () => this.#host.request('exportTable', { format: 'csv', to: 'clipboard' })),
        item('Save summary as Markdown…', () => this.#host.request('exportTable', { format: 'markdown', to: 'file' })),
        item('Save summary as CSV…', () => this.#host.request('exportTable', { format: 'csv', to: 'file' })),
        h('hr'),
        item('Report (Markdown + HTML) into the run folder', () => this.#exportReport(), 'export-report'),
        item('Rate pack (HTML for outside raters)', () => this.#ratePack(), 'export-rate-pack'),
        item('Import ratings…', () => this.#importRatings(), 'import-ratings'),
      ),
    );
    return menu;
  }

  async #exportReport(): Promise<void> {
    this.#host.notice('Writing the report…');
    const file = await this.#host.request('exportReport');
    this.#host.notice(file ? `Report saved: ${file}` : undefined);
  }

  async #ratePack(): Promise<void> {
    this.#host.notice('Writing the rate pack…');
    const file = await this.#host.request('ratePack');
    this.#host.notice(file ? `Rate pack saved: ${file}` : undefined);
  }

  async #importRatings(): Promise<void> {
    const q = await this.#host.request('importRatings');
    if (!q) return;
    this.#showQuality(q);
    this.#host.notice(`Ratings imported: ${q.raters.length} rater${q.raters.length === 1 ? '' : 's'} (${q.raters.join(', ')}).`);
  }

  async #exportGrid(to: 'file' | 'runFolder'): Promise<void> {
    const record = this.#host.record();
    if (!record) return;
    this.#host.notice('Drawing the grid…');
    // The regions go into the picture as the grid shows them (its toggle).
    const regions = this.#host.grid().classList.contains('hide-regions') ? undefined : regionsByCell(record.ratings);
    const png = await renderGridPng(record, this.#host.imageBase(), this.#host.layout(), 320, regions);
    const saved = await this.#host.request('exportGrid', { png, to });
    this.#host.notice(typeof saved === 'string' ? `Grid saved: ${saved}` : undefined);
  }

  /** Called whenever the record changes: ratings shown, stale pick cleared. */
  update(): void {
    const record = this.#host.record();
    const n = record?.ratings?.length ?? 0;
    const stamp = `${this.#host.runDir()}#${n}`;
    if (!record || n === 0) {
      this.quality.hidden = true;
      this.quality.replaceChildren();
      this.#qualityFor = '';
    } else if (stamp !== this.#qualityFor) {
      this.#qualityFor = stamp;
      this.#host
        .request('quality')
        .then((q) => this.#showQuality(q))
        .catch((e: Error) => this.#host.notice(e.message, 'error'));
    }
    this.#paintPicks();
    if (this.#other && record) this.#renderComparison();
  }

  #showQuality(q: QualitySummary): void {
    const record = this.#host.record();
    if (!q.votes) return;
    this.quality.hidden = false;
    this.quality.replaceChildren(h('h2', {}, 'Ratings'), renderQuality(q, record?.stats ?? []));
  }

  #startPicking(): void {
    this.#picking = true;
    this.#picked = [];
    this.#host.grid().classList.add('picking');
    this.#host.notice('Pick two images to compare (click them in the grid). Esc to stop.');
    this.#refreshHeader();
  }

  #endPicking(): void {
    this.#picking = false;
    this.#picked = [];
    this.#host.grid().classList.remove('picking');
    this.#host.notice(undefined);
    this.#paintPicks();
    this.#refreshHeader();
  }

  #refreshHeader(): void {
    const old = document.querySelector('[data-testid="pick-compare"]');
    const fresh = this.actions()[1];
    old?.replaceWith(fresh);
  }

  #pickClick(e: MouseEvent): void {
    if (!this.#picking) return;
    const el = (e.target as HTMLElement).closest<HTMLElement>('.cell[data-key]');
    if (!el) return;
    e.preventDefault();
    e.stopPropagation();
    const cell = this.#host.record()?.cells.find((c) => c.key === el.dataset.key);
    if (!cell || !canShow(cell)) return;
    const i = this.#picked.indexOf(cell.key);
    if (i >= 0) this.#picked.splice(i, 1);
    else this.#picked.push(cell.key);
    this.#paintPicks();
    if (this.#picked.length === 2) {
      const [a, b] = this.#picked;
      this.#endPicking();
      this.compareCells(a, b);
    }
  }

  #paintPicks(): void {
    for (const el of this.#host.grid().querySelectorAll<HTMLElement>('.cell[data-key]')) {
      const n = this.#picked.indexOf(el.dataset.key ?? '');
      if (n >= 0) el.dataset.picked = n === 0 ? 'A' : 'B';
      else delete el.dataset.picked;
    }
  }

  /** The host asked to show another run beside this one. */
  compareWith(runDir: string): void {
    void this.#compareRun(runDir);
  }

  /** Opens the compare view on two cells of this run. */
  compareCells(a: string, b: string): void {
    const cells = this.#host.record()?.cells ?? [];
    const img = (key: string) => {
      const c = cells.find((x) => x.key === key);
      const image = c?.images[0];
      return image
        ? {
            url: imageUrl(this.#host.imageBase(), image.file),
            label: `${cellLabel(c)} · seed ${c.seed}`,
            tooLarge: tooLargeToShow(image),
            size: image,
            regions: regionsByCell(this.#host.record()?.ratings).get(key),
            open: () =>
              void this.#host.request('openImage', { file: image.file }).catch((e: Error) => this.#host.notice(e.message, 'error')),
          }
        : undefined;
    };
    const x = img(a);
    const y = img(b);
    if (x && y) this.compare.show(x, y);
  }

  async #openHistory(): Promise<void> {
    this.history.replaceChildren(h('p', { class: 'muted' }, 'Reading runs…'));
    if (!this.history.open) this.history.showModal();
    try {
      const list = await this.#host.request('history');
      const close = h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close', title: 'Close (Esc)' }, '✕');
      close.addEventListener('click', () => this.history.close());
      this.history.replaceChildren(
        h(
          'header',
          {},
          h('h2', {}, `Runs of ${this.#host.record()?.spec.name ?? 'this spec'}`),
          h('span', { class: 'muted' }, `${list.length}, newest first`),
          close,
        ),
        renderHistory(list, {
          currentRunDir: () => this.#host.runDir(),
          open: (runDir) => {
            this.history.close();
            this.#host.request('openRun', { runDir }).catch((e: Error) => this.#host.notice(e.message, 'error'));
          },
          compare: (runDir) => {
            this.history.close();
            void this.#compareRun(runDir);
          },
        }),
      );
    } catch (e) {
      this.history.replaceChildren(h('p', { class: 'error' }, (e as Error).message));
    }
  }

  /** Shows another run of this spec beside this one. */
  async #compareRun(runDir: string): Promise<void> {
    try {
      const other = await this.#host.request('loadRun', { runDir });
      this.#other = other;
      this.#renderComparison();
      this.comparison.scrollIntoView({ behavior: 'smooth', block: 'start' });
    } catch (e) {
      this.#host.notice((e as Error).message, 'error');
    }
  }

  #renderComparison(): void {
    const record = this.#host.record();
    if (!record || !this.#other) return;
    this.comparison.replaceChildren(
      renderRunComparison(
        { record, imageBase: this.#host.imageBase() },
        this.#other,
        (x, y) => this.compare.show(x, y),
        () => {
          this.#other = undefined;
          this.comparison.replaceChildren();
        },
      ),
    );
  }
}
