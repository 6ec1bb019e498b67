// Extension-test entry point used by `bench/activate.ts` (not a test): inside a real extension host it
// times activation (the bundle's load, then activate()), whether dist/language.js or dist/engine.js was
// evaluated by then (neither should be), then opens a spec and asks for its CodeLens: the time from the
// start of loading to those lenses (what a user waits), and of it, the language module's load on that
// first lens; last, what loading the run engine costs on first use. Beside it, the same load + activate()
// of an extension that does nothing (test/fixtures/baseline-extension): the host's own share. It writes the figures as JSON to
// $QWENPROMPT_BENCH_OUT. Nothing is asserted; the benchmark prints the table.
import { realpathSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import * as vscode from 'vscode';

/** Node's loader entry point, which every `require` in the host goes through (VS Code wraps it too). */
type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const loader = Module as unknown as { _load: Load; _resolveFilename(request: string, parent: unknown): string };

/**
 * Times, until `stop()`, the first load of each of `files` by any require in the host, and the first
 * `require('vscode')` made by `apiFor` (the host builds that extension's API object then).
 */
function timeLoads(files: readonly string[], apiFor: string): { ms: Map<string, number>; stop(): void } {
  const ms = new Map<string, number>();
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    const watched =
      request === 'vscode'
        ? (parent as { filename?: string } | undefined)?.filename === apiFor && 'vscode'
        : /(language|engine)(\.js)?$/.test(request) && files.find((f) => f === safeResolve(request, parent));
    if (!watched || ms.has(watched) || watched in require.cache) return original.call(this, request, parent, isMain);
    const t = performance.now();
    try {
      return original.call(this, request, parent, isMain);
    } finally {
      ms.set(watched, performance.now() - t);
    }
  };
  return { ms, stop: () => void (loader._load = original) };
}

function safeResolve(request: string, parent: unknown): string | undefined {
  try {
    return loader._resolveFilename(request, parent);
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) the whole host process has used, ms: what its threads ran, not what it
 * waited for (another process on the same cores, an IPC round trip). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Load + activate() of the do-nothing extension in test/fixtures/baseline-extension, timed like ours. */
async function baselineActivation(): Promise<{ loadMs: number; activateMs: number; cpuMs: number }> {
  const base = vscode.extensions.getExtension('qwenprompt-bench.activation-baseline');
  if (!base) throw new Error('the baseline extension is not installed in this host');
  const c0 = cpuMs();
  const t0 = performance.now();
  require(realpathSync(join(base.extensionPath, 'extension.js')));
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  await base.activate();
  return { loadMs, activateMs: performance.now() - t1, cpuMs: cpuMs() - c0 };
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension('qwenprompt.qwenprompt');
  if (!ext) throw new Error('qwenprompt.qwenprompt is not installed in this host');
  const wasActive = ext.isActive;
  // The first activation in a host may pay one-time costs of the host's own: the bench alternates which
  // of the two extensions goes first.
  const baselineFirst = process.env.QWENPROMPT_BENCH_ORDER === 'baseline-first';
  const baselineBefore = baselineFirst ? await baselineActivation() : undefined;
  const languageFile = realpathSync(join(ext.extensionPath, 'dist/language.js'));
  const engineFile = realpathSync(join(ext.extensionPath, 'dist/engine.js'));
  const extensionFile = realpathSync(join(ext.extensionPath, 'dist/extension.js'));
  const loads = timeLoads([languageFile, engineFile], extensionFile);
  // Load the bundle first (the host's require cache is shared, so activate() below reuses it) to tell
  // the cost of evaluating dist/extension.js from the cost of activate() itself.
  const c0 = cpuMs();
  const t0 = performance.now();
  require(extensionFile);
  const loadMs = performance.now() - t0;
  const loadCpuMs = cpuMs() - c0;
  const t1 = performance.now();
  await ext.activate();
  const activateMs = performance.now() - t1;
  const activationCpuMs = cpuMs() - c0;
  const baseline = baselineBefore ?? (await baselineActivation());
  // The extension's own activate() leaves this measure: the rest of activateMs is the host's (the
  // extension context with its storage and secrets, the extension's `vscode` API object).
  const ownActivateMs = performance.getEntriesByName('qwenprompt:activate').at(-1)?.duration ?? NaN;
  const vscodeApiMs = loads.ms.get('vscode') ?? NaN;
  const languageAtActivation = languageFile in require.cache;
  const engineAtActivation = engineFile in require.cache;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) throw new Error('open the fixture workspace');
  // What a user waits for after activation: the spec opens (its diagnostics are parsed), then its lenses.
  const t2 = performance.now();
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'portrait.qwenprompt'));
  const openMs = performance.now() - t2;
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
  const t3 = performance.now();
  loads.stop();
  const languageLoadMs = languageAtActivation ? 0 : (loads.ms.get(languageFile) ?? 0);
  // The run engine is meant to load on first use (a run, a panel, the status bar's delayed first poll).
  const engineAtFirstLens = engineFile in require.cache;
  const t4 = performance.now();
  require(engineFile);
  const engineLoadMs = engineAtFirstLens ? 0 : performance.now() - t4;
  const out = process.env.QWENPROMPT_BENCH_OUT ?? join(process.cwd(), 'activation.json');
  writeFileSync(
    out,
    JSON.stringify({
      wasActive,
      baselineFirst,
      baselineLoadMs: baseline.loadMs,
      baselineActivateMs: baseline.activateMs,
      baselineCpuMs: baseline.cpuMs,
      loadMs,
      loadCpuMs,
      activationCpuMs,
      vscodeApiMs,
      activateMs,
      ownActivateMs,
      languageAtActivation,
      engineAtActivation,
      openMs,
      firstLensMs: t3 - t2,
      toFirstLensMs: t3 - t0,
      languageLoadMs,
      languageLoadedByFirstLens: languageFile in require.cache,
      lenses: lenses?.length ?? 0,
      engineAtFirstLens,
      engineLoadMs,
    }),
  );
}
