/**
 * What the user downloads and what the extension host loads: the production bundles (built here into
 * a temporary folder with esbuild's metafile, so dist/ is left alone) with their biggest inputs, and
 * the .vsix made by `npm run package` when it exists.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as esbuild from 'esbuild';
import { buildBundle, externalsOf, heavyInputs, inputsOf, REPO } from './hostBundles';
import { printTable, verdict } from './table';

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

/** Bytes per package (node_modules/<name>) or per source folder, biggest first. */
function topInputs(meta: esbuild.Metafile, n: number): string {
  const agg = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(inputsOf(meta))) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : file.split('/').slice(0, 2).join('/');
    agg.set(key, (agg.get(key) ?? 0) + bytesInOutput);
  }
  return [...agg]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${kb(v)}`)
    .join(', ');
}

export async function benchSizes(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-bench-sizes-'));
  try {
    const host = await buildBundle('src/extension.ts', dir);
    const language = await buildBundle('src/language.ts', dir);
    const engine = await buildBundle('src/engine.ts', dir);
    const web = await buildBundle('webview-ui/main.ts', dir);
    // What activation must not evaluate: yaml and the spec parser (dist/language.js), the client's
    // socket, PNG decoding, the runner and the panel (dist/engine.js).
    const heavy = heavyInputs(host.metafile);
    const yamlInEngine = heavyInputs(engine.metafile).language;
    const size = (r: { metafile: esbuild.Metafile }) => Object.values(r.metafile.outputs)[0].bytes;
    const hostBytes = size(host);
    const webBytes = size(web);
    const vsix = path.join(REPO, 'qwenprompt.vsix');
    const vsixBytes = existsSync(vsix) ? statSync(vsix).size : undefined;
    const lazy = externalsOf(host.metafile).filter((p) => p.startsWith('./'));
    printTable(
      'Bundle sizes (production: minified, no source maps)',
      ['file', 'size', 'target', 'biggest inputs'],
      [
        [
          'dist/extension.js',
          kb(hostBytes),
          `≤ 300 KB ${verdict(hostBytes <= 300 * 1024)}; tightened ≤ 60 KB ${verdict(hostBytes <= 60 * 1024)}`,
          topInputs(host.metafile, 6),
        ],
        [
          '… spec language inputs in it (yaml, validator, parser, schema)',
          `${heavy.language.length}`,
          `0 ${verdict(heavy.language.length === 0)}`,
          heavy.language.slice(0, 4).join(', '),
        ],
        [
          '… run engine inputs in it (ws, pngjs, runner, client, panel)',
          `${heavy.engine.length}`,
          `0 ${verdict(heavy.engine.length === 0)}`,
          heavy.engine.slice(0, 4).join(', '),
        ],
        ['… bundles it requires on first use', lazy.join(', '), '', ''],
        ['dist/language.js (first lens, diagnostic, completion or hover)', kb(size(language)), '', topInputs(language.metafile, 6)],
        ['dist/engine.js (first run, panel or server poll)', kb(size(engine)), '', topInputs(engine.metafile, 6)],
        [
          '… spec language inputs in engine.js',
          `${yamlInEngine.length}`,
          `0 ${verdict(yamlInEngine.length === 0)}`,
          yamlInEngine.slice(0, 4).join(', '),
        ],
        [
          'dist/webview/main.js',
          kb(webBytes),
          `≤ 150 KB ${verdict(webBytes <= 150 * 1024)}; tightened ≤ 100 KB ${verdict(webBytes <= 100 * 1024)}`,
          topInputs(web.metafile, 4),
        ],
        [
          'qwenprompt.vsix (npm run package)',
          vsixBytes ? kb(vsixBytes) : 'not built',
          vsixBytes ? `≤ 1 MB ${verdict(vsixBytes <= 1024 * 1024)}; tightened ≤ 300 KB ${verdict(vsixBytes <= 300 * 1024)}` : '≤ 1 MB',
          '',
        ],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void benchSizes();
