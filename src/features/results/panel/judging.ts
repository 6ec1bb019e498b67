// The results panel's judging requests: rating rounds, exports, run history and a second run to
// compare with. Each reads or writes the run folder; the webview only ever names files and folders.
import * as path from 'node:path';
import vscode = require('vscode');
import { addRatings } from '../../../core/quality/addRatings';
import { csvSummary, markdownSummary } from '../../../core/quality/exportTable';
import { historyEntry } from '../../../core/quality/history';
import { importRatings } from '../../../core/quality/importRatings';
import { writeRatePack } from '../../../core/quality/ratePack';
import { writeReport } from '../../../core/report/writeReport';
import { withPngText } from '../../../core/quality/pngText';
import { qualitySummary } from '../../../core/quality/ratings';
import { withRounds } from '../../../core/quality/rounds';
import type { ScenarioLayer } from '../../../shared/scenarios';
import { readRunRecord, writeFileAtomic } from '../../../core/runs/record';
import { safeSegment, sameSpecFolder, siblingRuns } from '../../../core/runs/runFolders';
import type { LoadedRun, Requests } from '../../../protocol/messages';
import type { RequestBody, RequestHandlers } from '../../../protocol/messenger';
import { recordForView } from './runState';
import type { RunHistoryEntry } from '../../../shared/history';
import type { QualitySummary } from '../../../shared/quality';
import type { RunRecord } from '../../../shared/runRecord';

type JudgingKind =
  | 'saveRatings'
  | 'quality'
  | 'ratePack'
  | 'exportReport'
  | 'importRatings'
  | 'exportTable'
  | 'exportGrid'
  | 'history'
  | 'loadRun'
  | 'openRun';

export interface JudgingHost {
  readonly runDir: string;
  /** The record the panel shows (statistics filled in while running). */
  record(): RunRecord | undefined;
  /** run.json changed on disk (ratings added): show the new record. */
  replaced(record: RunRecord): void;
  /** asWebviewUri of a folder. */
  webviewUri(dir: string): string;
  /** True while a runner of this extension is writing that folder. */
  isRunning(runDir: string): boolean;
  openRun(runDir: string): void;
  /** Who rates: the qwenprompt.rater setting, else git's user.name. */
  rater(): Promise<string>;
  /** The qwenprompt.scenarios setting. */
  scenarios(): ScenarioLayer;
}

/** The handlers of the judging requests, each reading or writing the panel's run folder. */
export function judgingHandlers(host: JudgingHost): Pick<RequestHandlers<Requests>, JudgingKind> {
  return {
    quality: () => qualitySummary(shown(host)),
    saveRatings: (body) => saveRatings(host, body),
    ratePack: () => ratePack(host),
    exportReport: () => exportReport(host),
    importRatings: () => importRatingsFile(host),
    exportTable: (body) => exportTable(host, body.format, body.to),
    exportGrid: (body) => exportGrid(host, body.png, body.to),
    history: () => history(host),
    loadRun: (body) => loadRun(host, body.runDir),
    openRun: async (body) => {
      host.openRun(await sibling(host, body.runDir));
    },
  };
}

function shown(host: JudgingHost): RunRecord {
  const r = host.record();
  if (!r) throw new Error(vscode.l10n.t('This panel shows no run.'));
  return r;
}

async function saveRatings(host: JudgingHost, body: RequestBody<Requests, 'saveRatings'>): Promise<QualitySummary> {
  // A run still going is rated on its finished images: the votes go into the rater's own round file,
  // which the runner's rewrites of run.json never touch, checked against the live record the panel
  // shows (run.json may lag an image behind).
  const live = host.isRunning(host.runDir) ? host.record() : undefined;
  const saved = await addRatings(host.runDir, body.votes, {
    blind: body.blind,
    rater: await host.rater(),
    ...(live ? { record: live } : {}),
  });
  host.replaced(saved);
  return qualitySummary(recordForView(saved));
}

async function ratePack(host: JudgingHost): Promise<string> {
  const written = await writeRatePack(host.runDir, shown(host));
  const reveal = vscode.l10n.t('Reveal');
  void vscode.window
    .showInformationMessage(
      vscode.l10n.t(
        'Rate pack saved ({0} images): send {1} to a rater; it opens in any browser.',
        written.images,
        path.basename(written.file),
      ),
      reveal,
    )
    .then((pick) => {
      if (pick === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(written.file));
    });
  return written.file;
}

async function exportReport(host: JudgingHost): Promise<string> {
  shown(host);
  const done = await writeReport([host.runDir], path.join(host.runDir, 'report'), { scenarios: host.scenarios() });
  const open = vscode.l10n.t('Open Markdown');
  const reveal = vscode.l10n.t('Reveal');
  void vscode.window
    .showInformationMessage(vscode.l10n.t('Report saved: report.md and report.html ({0} images beside them).', done.images), open, reveal)
    .then((pick) => {
      if (pick === open) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(done.markdown));
      if (pick === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(done.html));
    });
  return done.html;
}

async function importRatingsFile(host: JudgingHost): Promise<QualitySummary | undefined> {
  const picked = await vscode.window.showOpenDialog({
    defaultUri: vscode.Uri.file(host.runDir),
    canSelectMany: false,
    filters: { [vscode.l10n.t('Ratings')]: ['json'] },
    openLabel: vscode.l10n.t('Import Ratings'),
    title: vscode.l10n.t('Import a ratings file (downloaded from a rate pack)'),
  });
  if (!picked?.[0]) return undefined;
  const done = await importRatings(picked[0].fsPath, host.runDir);
  host.replaced(done.record);
  void vscode.window.showInformationMessage(vscode.l10n.t('{0} votes by {1} added to the run.', done.round.votes.length, done.round.rater));
  return qualitySummary(recordForView(done.record));
}

async function exportTable(host: JudgingHost, format: 'markdown' | 'csv', to: 'clipboard' | 'file'): Promise<string | undefined> {
  const record = shown(host);
  const text = format === 'markdown' ? markdownSummary(record, host.scenarios()) : csvSummary(record);
  if (to === 'clipboard') {
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(
      format === 'markdown' ? vscode.l10n.t('Summary copied as a Markdown table.') : vscode.l10n.t('Summary copied as CSV.'),
    );
    return 'clipboard';
  }
  const ext = format === 'markdown' ? 'md' : 'csv';
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(host.runDir, `summary.${ext}`)),
    filters: format === 'markdown' ? { Markdown: ['md'] } : { CSV: ['csv'] },
    title: vscode.l10n.t('Save the summary'),
  });
  if (!target) return undefined;
  await writeFileAtomic(target.fsPath, text);
  return target.fsPath;
}

async function exportGrid(host: JudgingHost, png: Uint8Array, to: 'file' | 'runFolder'): Promise<string | undefined> {
  const record = shown(host);
  if (png[0] !== 0x89 || png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) throw new Error('The grid image is not a PNG.');
  const name = `grid-${safeSegment(record.spec.id)}-${safeSegment(record.id)}.png`;
  let file: string | undefined = path.join(host.runDir, name);
  if (to === 'file') {
    const picked = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(file),
      filters: { PNG: ['png'] },
      title: vscode.l10n.t('Save the grid as PNG'),
    });
    file = picked?.fsPath;
  }
  if (!file) return undefined;
  // The grid says where it came from, as ComfyUI's own images do.
  const stamped = withPngText(png, {
    qwenprompt: JSON.stringify({ run: record.id, spec: record.spec.name, file: record.spec.file, createdAt: record.createdAt }),
  });
  await writeFileAtomic(file, stamped);
  const reveal = vscode.l10n.t('Reveal');
  void vscode.window.showInformationMessage(vscode.l10n.t('Grid saved to {0}', file), reveal).then((pick) => {
    if (pick === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(file));
  });
  return file;
}

/** Runs of the same spec live side by side in one folder; only those may be opened from a panel. */
async function sibling(host: JudgingHost, runDir: string): Promise<string> {
  const dir = path.resolve(runDir);
  if (!path.isAbsolute(runDir) || !sameSpecFolder(dir, host.runDir)) {
    throw new Error(vscode.l10n.t('{0} is not a run of this spec.', runDir));
  }
  return dir;
}

async function history(host: JudgingHost): Promise<RunHistoryEntry[]> {
  // Spec ids are slugs, so two spec files can share a folder; the record names its own file.
  const runs = await siblingRuns(host.runDir, host.record()?.spec.file);
  return Promise.all(
    runs.map(async (r) => ({ ...historyEntry(r.runDir, await withRounds(r.runDir, r.record)), imageBase: host.webviewUri(r.runDir) })),
  );
}

async function loadRun(host: JudgingHost, runDir: string): Promise<LoadedRun> {
  const dir = await sibling(host, runDir);
  const record = recordForView(await withRounds(dir, await readRunRecord(dir)));
  return { runDir: dir, imageBase: host.webviewUri(dir), record };
}
