// The results panel's webview: draws a run from the init data, then follows the host's messages.
import {
  isPanelInit,
  isReplyTo,
  isToWebview,
  parsePersistedState,
  PROTOCOL_VERSION,
  type FromWebview,
  type PanelInit,
  type PersistedState,
  type Requests,
  type ToWebview,
} from '../src/protocol/messages';
import { Messenger, type RequestParams } from '../src/protocol/messenger';
import { runProgressText } from './view/cells';
import { parseLayoutChoice, planGrid, type LayoutChoice } from '../src/shared/gridLayout';
import { formatEstimate } from '../src/shared/format';
import { renderBlock, renderLayoutControl } from './render/gridView';
import { CellView } from './render/cell';
import { renderChart } from './render/chart';
import { renderConvergence } from './render/convergence';
import { renderDecision } from './render/decision';
import { h } from './render/dom';
import { ImageQueue } from './render/imageQueue';
import { LiveProgress } from './render/liveProgress';
import { pinButton } from './render/pin';
import { Judging } from './render/judging';
import { Lightbox } from './render/lightbox';
import { RedoDialog } from './render/redo';
import { gridTools } from './render/regionOverlay';
import { regionsByCell } from '../src/shared/regions';
import { ServerBanner } from './render/serverBanner';
import { renderSummary } from './render/summary';
import { fitTables, keepTablesFitted } from './render/fitTable';
import { renderServers } from './render/servers';
import { resumableCount, resumeLabel } from './view/resume';
import type { CellRecord, ColumnStats, RunRecord } from '../src/shared/runRecord';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// Marks the panel benchmark reads (bench/panel.ts): when our script starts and when the grid is drawn.
performance.mark('qp:script');

const vscode = acquireVsCodeApi();

const STATUS_WORDS: Record<RunRecord['status'], string> = {
  running: 'Running',
  complete: 'Complete',
  partial: 'Partly done',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

class App {
  #init: PanelInit;
  #cells = new Map<string, CellView>();
  #images = new ImageQueue();
  #live = new LiveProgress();
  #messenger: Messenger<FromWebview, ToWebview, Requests>;
  #lightbox: Lightbox;
  #redo = new RedoDialog({
    imageBase: () => this.#init.imageBase,
    redos: () => this.#record?.redos ?? [],
    run: (cell, mask, steps) => this.#messenger.request('redoRegion', { cell, mask, steps }),
    regions: (cell) => regionsByCell(this.#record?.ratings).get(cell) ?? [],
  });
  #judging: Judging;
  #root: HTMLElement;
  #header = h('header', { class: 'run-header' });
  #notice = h('div', { class: 'notice', role: 'status' });
  #server: ServerBanner;
  #grid = h('div', { class: 'grid', 'data-testid': 'grid' });
  /** The user's layout from the control (persisted), else the spec's `layout`, else the default. */
  #layout: Partial<LayoutChoice> | undefined;
  #summary = h('section', { class: 'summary-section', 'aria-label': 'Summary' });

  constructor(root: HTMLElement, init: PanelInit) {
    this.#root = root;
    this.#init = init;
    this.#messenger = new Messenger<FromWebview, ToWebview, Requests>({
      post: (m) => vscode.postMessage(m),
      isMessage: isToWebview,
      isReply: isReplyTo,
      onDropped: (m) => console.warn('qwenprompt: dropped a message the panel does not understand', m),
    });
    this.#lightbox = new Lightbox({
      cells: () => this.#record?.cells ?? [],
      resolved: () => this.#record?.spec.resolved,
      imageBase: () => this.#init.imageBase,
      open: (file) => this.#request('openImage', { file }),
      changed: () => this.#persist(),
      canRedo: (c) => this.#record?.status !== 'running' && (c.status === 'success' || c.status === 'cached'),
      redo: (c) => this.#redo.open(c),
      request: (kind, ...params) => this.#messenger.request(kind, ...params),
    });
    this.#judging = new Judging({
      record: () => this.#record,
      imageBase: () => this.#init.imageBase,
      runDir: () => this.#init.runDir,
      grid: () => this.#grid,
      layout: () => (this.#record ? this.#layoutChoice(this.#record) : undefined),
      request: (kind, ...params) => this.#messenger.request(kind, ...params),
      notice: (text, kind) => this.#showNotice(text, kind),
    });
    this.#server = new ServerBanner({
      retry: () => this.#messenger.request('retryServer'),
      selectServer: () => this.#request('selectServer'),
      failed: (text) => this.#showNotice(text, 'error'),
    });
    const m = this.#messenger;
    m.on('server', (msg) => {
      const { server: _old, ...rest } = this.#init;
      this.#init = msg.server.state === 'online' ? rest : { ...rest, server: msg.server };
      this.#renderHeader();
    });
    m.on('snapshot', (msg) => this.#setInit(msg.init));
    m.on('record', (msg) => this.#setInit({ ...this.#init, record: msg.record }));
    m.on('compareWith', (msg) => this.#judging.compareWith(msg.runDir));
    m.on('cell', (msg) => this.#updateCell(msg.cell, msg.stats));
    m.on('progress', (msg) => {
      this.#cells.get(msg.key)?.setProgress(msg.value, msg.max, this.#live.step(msg.key, msg.value, msg.max));
      this.#live.paint(this.#record);
    });
    m.on('preview', (msg) => this.#cells.get(msg.key)?.setPreview(msg.mime, msg.data));
    window.addEventListener('message', (e: MessageEvent<unknown>) => m.receive(e.data));
    this.#grid.addEventListener('keydown', (e) => this.#moveFocus(e));
    root.replaceChildren(
      this.#header,
      this.#server.el,
      this.#notice,
      h('section', { class: 'grid-section' }, this.#grid),
      this.#summary,
      this.#judging.quality,
      this.#judging.comparison,
      this.#lightbox.el,
      this.#redo.el,
      this.#judging.compare.el,
      this.#judging.rating.el,
      this.#judging.history,
    );
    keepTablesFitted(this.#summary, this.#judging.quality, this.#judging.comparison);
    this.#renderAll();
    const saved = parsePersistedState(vscode.getState());
    if (saved?.layout && saved.spec === init.record?.spec.id) {
      this.#layout = saved.layout;
      this.#renderAll();
    }
    if (saved?.zoomed && saved.runDir === init.runDir) this.#lightbox.show(saved.zoomed);
    this.#persist();
    m.send({ type: 'ready', protocol: PROTOCOL_VERSION });
  }

  get #record(): RunRecord | undefined {
    return this.#init.record;
  }

  #persist(): void {
    const state: PersistedState = { v: 1, runDir: this.#init.runDir };
    if (this.#lightbox.key) state.zoomed = this.#lightbox.key;
    const spec = this.#record?.spec.id;
    if (this.#layout && spec) Object.assign(state, { layout: this.#layout, spec });
    if (this.#init.pinned) state.pinned = true;
    vscode.setState(state);
  }

  /** A request whose reply the panel does not read: a failure shows as a notice. */
  #request<K extends keyof Requests & string>(kind: K, ...params: RequestParams<Requests, K>): void {
    this.#messenger.request(kind, ...params).catch((e: Error) => this.#showNotice(e.message, 'error'));
  }

  #showNotice(text: string | undefined, kind: 'info' | 'error' = 'info'): void {
    this.#notice.textContent = text ?? '';
    this.#notice.hidden = !text;
    this.#notice.dataset.kind = kind;
  }

  #setInit(init: PanelInit): void {
    // The snapshot that answers `ready` is most often the init the page was drawn from: drawing the
    // grid again would only replace 60 images being fetched with 60 new elements.
    if (JSON.stringify(init) === JSON.stringify(this.#init)) return;
    // Pinned or unpinned, nothing else changed: only the header's button says it.
    const pinOnly = JSON.stringify({ ...init, pinned: false }) === JSON.stringify({ ...this.#init, pinned: false });
    this.#init = init;
    this.#persist();
    if (pinOnly) this.#renderHeader();
    else this.#renderAll();
  }

  #renderAll(): void {
    const { record, problem } = this.#init;
    this.#showNotice(problem, record ? 'info' : 'error');
    this.#renderHeader();
    // Each new cell takes over what its old one shows until its own image has loaded: no blank grid on a redraw.
    const old = new Map(this.#cells);
    this.#cells.clear();
    const byKey = new Map((record?.cells ?? []).map((c) => [c.key, c]));
    for (const v of old.values()) if (!byKey.has(v.cell.key)) v.dispose();
    if (!record) {
      this.#grid.replaceChildren();
      this.#summary.replaceChildren();
      return;
    }
    const plan = planGrid(record.cells, this.#layoutChoice(record));
    this.#images.hold();
    const regions = regionsByCell(record.ratings);
    const makeCell = (key: string) => {
      const cell = byKey.get(key);
      if (!cell) return undefined;
      const view = new CellView(
        cell,
        this.#init.imageBase,
        {
          zoom: (k) => this.#lightbox.show(k),
          open: (file) => this.#request('openImage', { file }),
          loadImage: (img, src) => this.#images.assign(img, src),
        },
        old.get(key),
      );
      const p = this.#init.progress[cell.key];
      if (p) view.setProgress(p.value, p.max);
      if (regions.has(key)) view.setRegions(regions.get(key)!);
      this.#cells.set(cell.key, view);
      return view.el;
    };
    const blocks = plan.blocks.map((b) => renderBlock(b, plan.columns, makeCell, 'Images by setting'));
    const control = renderLayoutControl(plan, (choice) => {
      this.#layout = choice;
      this.#persist();
      this.#renderAll();
    });
    this.#grid.replaceChildren(gridTools(this.#grid, control, regions), ...blocks);
    this.#renderSummary(record.stats);
    this.#images.release();
    if (this.#lightbox.key) this.#lightbox.refresh();
    this.#judging.update();
  }

  #layoutChoice(record: RunRecord): Partial<LayoutChoice> | undefined {
    return this.#layout ?? parseLayoutChoice((record.spec.resolved as { layout?: unknown } | undefined)?.layout);
  }

  #renderHeader(): void {
    const record = this.#record;
    // A long name is cut to three lines (main.css); the whole of it is in the tooltip.
    const title = h('h1', { title: record?.spec.name ?? 'Results', 'data-testid': 'run-name' }, record?.spec.name ?? 'Results');
    const actions = h('div', { class: 'actions' });
    if (record?.status === 'running') {
      const cancel = h('button', { type: 'button', class: 'danger', 'data-testid': 'cancel' }, '■ Cancel');
      cancel.addEventListener('click', () => {
        cancel.disabled = true;
        cancel.textContent = 'Cancelling…';
        this.#request('cancel');
      });
      actions.append(cancel);
    }
    const missing = resumableCount(record, this.#init.live === true);
    if (missing !== undefined) actions.append(this.#resumeButton(missing));
    if (record) actions.append(...this.#judging.actions());
    const reveal = h('button', { type: 'button', class: 'secondary', title: this.#init.runDir }, 'Reveal run folder');
    reveal.addEventListener('click', () => this.#request('revealRunFolder'));
    actions.append(
      reveal,
      pinButton(this.#init.pinned === true, (pinned) => this.#request('setPinned', { pinned })),
    );
    const meta = h('p', { class: 'meta' });
    this.#server.update(this.#init.server, this.#init.live === true);
    // A run waiting for its server is not "Running": its previews are frozen (main.css dims them).
    const waiting = record?.status === 'running' && this.#init.server?.state === 'unreachable';
    this.#root.classList.toggle('server-down', this.#server.down);
    if (record) {
      meta.append(
        waiting
          ? h('span', { class: 'status-badge unreachable', 'data-testid': 'run-status' }, 'Waiting for server')
          : h(
              'span',
              { class: `status-badge ${record.status}`, 'data-testid': 'run-status' },
              STATUS_WORDS[record.status] ?? record.status,
            ),
        h('span', { 'data-testid': 'run-progress' }, runProgressText(record)),
        this.#live.el,
      );
      this.#live.paint(record);
      // From earlier runs on the same GPU kind, as the CLI's start line says it.
      if (record.estimateMs !== undefined)
        meta.append(
          h(
            'span',
            { 'data-testid': 'run-estimate', title: 'from earlier runs of this spec on the same GPU kind' },
            `${formatEstimate(record.estimateMs)} expected`,
          ),
        );
      const server = [record.server.gpu, record.server.comfyuiVersion && `ComfyUI ${record.server.comfyuiVersion}`]
        .filter(Boolean)
        .join(' · ');
      if (server) meta.append(h('span', { title: record.server.url }, server));
      meta.append(h('span', { class: 'muted', title: this.#init.runDir }, new Date(record.createdAt).toLocaleString()));
    }
    this.#header.replaceChildren(h('div', { class: 'title' }, title, meta), actions);
  }

  /** "↻ Resume (n missing)": the host runs the missing images into this folder and the panel follows
   * the run live (its planned record arrives as a snapshot, which redraws this header). */
  #resumeButton(missing: number): HTMLButtonElement {
    const button = h(
      'button',
      { type: 'button', 'data-testid': 'resume', title: 'Make only the missing images, into this run folder' },
      resumeLabel(missing),
    );
    button.addEventListener('click', () => {
      button.disabled = true;
      button.textContent = 'Resuming…';
      this.#messenger.request('resume').catch((e: Error) => {
        this.#showNotice(e.message, 'error');
        this.#renderHeader();
      });
    });
    return button;
  }

  #renderSummary(stats: ColumnStats[]): void {
    this.#summary.replaceChildren(
      h('h2', {}, 'Summary'),
      h('div', { class: 'summary-body' }, h('div', { class: 'table-wrap' }, renderSummary(stats, this.#record?.cells)), renderChart(stats)),
    );
    const servers = renderServers(this.#record);
    if (servers) this.#summary.append(servers);
    // The decision table heads the convergence section; a run rated but not scored gets it alone.
    const convergence = renderConvergence(this.#record, this.#init.scenarios);
    const decision = convergence ? undefined : renderDecision(this.#record, this.#init.scenarios);
    for (const s of [convergence, decision]) if (s) this.#summary.append(s);
    fitTables(this.#summary);
  }

  #updateCell(cell: CellRecord, stats: ColumnStats[]): void {
    const record = this.#record;
    if (!record) return;
    const known = record.cells.some((c) => c.key === cell.key);
    const cells = known ? record.cells.map((c) => (c.key === cell.key ? cell : c)) : [...record.cells, cell];
    this.#init = { ...this.#init, record: { ...record, cells, stats } };
    const view = this.#cells.get(cell.key);
    if (!view) {
      this.#renderAll();
      return;
    }
    view.update(cell);
    this.#renderHeader();
    this.#renderSummary(stats);
    if (this.#lightbox.key === cell.key) this.#lightbox.refresh();
    this.#judging.update();
  }

  /** Arrow keys move between images, as in a spreadsheet. */
  #moveFocus(e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const d = moves[e.key];
    const from = (e.target as HTMLElement).closest('.cell');
    if (!d || !from) return;
    const rows = [...this.#grid.querySelectorAll('.grid-row:not(.head)')];
    const r = rows.findIndex((row) => row.contains(from));
    const c = [...rows[r].querySelectorAll('.cell')].indexOf(from);
    const target = rows[r + d[0]]?.querySelectorAll('.cell')[c + d[1]];
    const button = target?.querySelector<HTMLElement>('button.thumb');
    if (button) {
      e.preventDefault();
      button.focus();
    }
  }
}

function readInit(): PanelInit | undefined {
  const json = document.getElementById('init')?.dataset.json;
  try {
    const init: unknown = json ? JSON.parse(json) : undefined;
    return isPanelInit(init) ? init : undefined;
  } catch {
    return undefined;
  }
}

const root = document.getElementById('app')!;
const init = readInit() ?? {
  protocol: PROTOCOL_VERSION,
  runDir: '',
  imageBase: '',
  progress: {},
  problem: 'The panel could not read its data. Reopen the run from its spec.',
};
new App(root, init);
performance.mark('qp:rendered');
