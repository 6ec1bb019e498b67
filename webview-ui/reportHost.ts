// Stands in for VS Code in the report page, so the panel's own renderer (main.ts, loaded after this)
// draws the run offline: it answers the panel's requests from what the report carries (ratings
// summaries, the runs in the report for History and compare) and refuses what needs VS Code.
import type { Requests } from '../src/protocol/messages';

interface ReportAnswers {
  /** Per run folder name in the report: the quality summary. */
  quality: Record<string, unknown>;
  history: unknown[];
  /** Per run folder name: what loadRun answers. */
  runs: Record<string, unknown>;
  /** Per run folder name: the setup rows (server, GPU, ComfyUI, model files, fixed settings). */
  setup: Record<string, [string, string][]>;
}

const answers = JSON.parse(document.getElementById('report')?.dataset.json ?? '{}') as ReportAnswers;
const first = JSON.parse(document.getElementById('init')?.dataset.json ?? '{}') as { runDir?: string; scenarios?: unknown };
let shownRun = first.runDir ?? '';
let state: unknown;

/** The run's setup above the panel, as the report's first section (text only: no markup from the data). */
function renderSetup(): void {
  const rows = answers.setup?.[shownRun] ?? [];
  let section = document.getElementById('report-setup');
  if (!section) {
    section = document.createElement('section');
    section.id = 'report-setup';
    section.className = 'report-setup';
    document.body.prepend(section);
  }
  const title = document.createElement('h2');
  title.textContent = 'Setup';
  const table = document.createElement('table');
  table.className = 'summary';
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = k;
    tr.append(th);
    tr.insertCell().textContent = v;
  }
  section.replaceChildren(title, table);
}

function deliver(data: unknown): void {
  window.dispatchEvent(new MessageEvent('message', { data }));
}

function answer(kind: keyof Requests, body: Record<string, unknown>): unknown {
  switch (kind) {
    case 'quality':
      return answers.quality[shownRun];
    case 'history':
      return answers.history;
    case 'loadRun': {
      const run = answers.runs[String(body.runDir)];
      if (!run) throw new Error('That run is not in this report.');
      return run;
    }
    case 'openRun': {
      const run = answers.runs[String(body.runDir)] as { runDir: string; imageBase: string; record: unknown } | undefined;
      if (!run) throw new Error('That run is not in this report.');
      shownRun = run.runDir;
      renderSetup();
      const scenarios = first.scenarios ? { scenarios: first.scenarios } : {};
      deliver({
        type: 'snapshot',
        init: { protocol: 1, runDir: run.runDir, imageBase: run.imageBase, record: run.record, progress: {}, ...scenarios },
      });
      return undefined;
    }
    default:
      throw new Error('This report is read-only: open the run in VS Code to do that.');
  }
}

(window as unknown as { acquireVsCodeApi(): unknown }).acquireVsCodeApi = () => ({
  postMessage(m: { type: string; id?: number; body?: { kind: keyof Requests } & Record<string, unknown> }): void {
    if (m.type !== 'request' || m.id === undefined || !m.body) return;
    const { id, body } = m;
    queueMicrotask(() => {
      try {
        deliver({ type: 'reply', id, ok: true, value: answer(body.kind, body) });
      } catch (e) {
        deliver({ type: 'reply', id, ok: false, error: (e as Error).message });
      }
    });
  },
  getState: () => state,
  setState: (s: unknown) => {
    state = s;
  },
});

renderSetup();
