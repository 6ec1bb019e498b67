/**
 * What the user downloads and what the extension host loads: the production bundles (built here into
 * a temporary folder with esbuild's metafile, so dist/ is left alone) with their biggest inputs, and
 * the .vsix made by `npm run package` when it exists.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { printTable, verdict } from './table';

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

/** Bytes per package (node_modules/<name>) or per source folder, biggest first. */
function topInputs(meta: esbuild.Metafile, n: number): string {
  const out = Object.values(meta.outputs)[0];
  const agg = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : file.split('/').slice(0, 2).join('/');
    agg.set(key, (agg.get(key) ?? 0) + bytesInOutput);
  }
  return [...agg].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${kb(v)}`).join(', ');
}

export async function benchSizes(): Promise<void> {
  const repo = path.resolve(__dirname, '../..');
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-bench-sizes-'));
  try {
    // As esbuild.mjs does: the extension's require('../engine') stays a runtime require of dist/engine.js.
    const lazyEngine: esbuild.Plugin = {
      name: 'lazy-engine',
      setup: (b) => b.onResolve({ filter: /^\.\.\/engine$/ }, () => ({ path: './engine.js', external: true })),
    };
    const build = (entry: string, platform: 'node' | 'browser') =>
      esbuild.build({
        entryPoints: [path.join(repo, entry)],
        outfile: path.join(dir, path.basename(entry).replace(/\.ts$/, '.js')),
        bundle: true,
        minify: true,
        platform,
        format: platform === 'node' ? 'cjs' : 'esm',
        target: platform === 'node' ? 'node20' : 'es2022',
        external: ['vscode'],
        metafile: true,
        logLevel: 'error',
        plugins: entry === 'src/extension.ts' ? [lazyEngine] : [],
      });
    const host = await build('src/extension.ts', 'node');
    const engine = await build('src/engine.ts', 'node');
    const web = await build('webview-ui/main.ts', 'browser');
    // What activation must not evaluate: the client's socket, PNG decoding, the runner, the panel.
    const heavy = Object.keys(Object.values(host.metafile!.outputs)[0].inputs).filter((f) =>
      /node_modules\/(ws|pngjs)\/|src\/core\/runs\/runner\.ts|src\/core\/comfy\/client\.ts|src\/features\/panel\//.test(f),
    );
    const size = (r: esbuild.BuildResult) => statSync(Object.keys(r.metafile!.outputs).map((f) => path.resolve(f))[0]).size;
    const hostBytes = size(host);
    const webBytes = size(web);
    const vsix = path.join(repo, 'qwenprompt.vsix');
    const vsixBytes = existsSync(vsix) ? statSync(vsix).size : undefined;
    printTable('Bundle sizes (production: minified, no source maps)', ['file', 'size', 'target', 'biggest inputs'], [
      ['dist/extension.js', kb(hostBytes), `≤ 300 KB ${verdict(hostBytes <= 300 * 1024)}`, topInputs(host.metafile!, 6)],
      ['… run engine inputs in it (ws, pngjs, runner, client, panel)', `${heavy.length}`, `0 ${verdict(heavy.length === 0)}`, heavy.slice(0, 4).join(', ')],
      ['dist/engine.js (required on first run, panel or server poll)', kb(size(engine)), '', topInputs(engine.metafile!, 6)],
      ['dist/webview/main.js', kb(webBytes), `≤ 150 KB ${verdict(webBytes <= 150 * 1024)}`, topInputs(web.metafile!, 4)],
      ['qwenprompt.vsix (npm run package)', vsixBytes ? kb(vsixBytes) : 'not built', vsixBytes ? `≤ 1 MB ${verdict(vsixBytes <= 1024 * 1024)}` : '≤ 1 MB', ''],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void benchSizes();
