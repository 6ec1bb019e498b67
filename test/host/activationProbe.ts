// Extension-test entry point used by `bench/activate.ts` (not a test): inside a real extension host it
// times activation (the bundle's load, then activate()) and the first CodeLens of a spec, whether the run
// engine (dist/engine.js) was loaded by then, and what loading it costs on first use; it writes the
// figures as JSON to $QWENPROMPT_BENCH_OUT. Nothing is asserted; the benchmark prints the table.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension('qwenprompt.qwenprompt');
  if (!ext) throw new Error('qwenprompt.qwenprompt is not installed in this host');
  const wasActive = ext.isActive;
  // Load the bundle first (the host's require cache is shared, so activate() below reuses it) to tell
  // the cost of evaluating dist/extension.js from the cost of activate() itself.
  const t0 = performance.now();
  require(join(ext.extensionPath, 'dist/extension.js'));
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  await ext.activate();
  const activateMs = performance.now() - t1;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) throw new Error('open the fixture workspace');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'portrait.qwenprompt'));
  const t2 = performance.now();
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
  const firstLensMs = performance.now() - t2;
  // The run engine is meant to load on first use (a run, a panel, the status bar's delayed first poll).
  const engineFile = require.resolve(join(ext.extensionPath, 'dist/engine.js'));
  const engineAtFirstLens = engineFile in require.cache;
  const t3 = performance.now();
  require(engineFile);
  const engineLoadMs = engineAtFirstLens ? 0 : performance.now() - t3;
  const out = process.env.QWENPROMPT_BENCH_OUT ?? join(process.cwd(), 'activation.json');
  writeFileSync(out, JSON.stringify({ wasActive, loadMs, activateMs, firstLensMs, lenses: lenses?.length ?? 0, engineAtFirstLens, engineLoadMs }));
}
