/**
 * The extension host's bundles as esbuild.mjs builds them (production: minified), into a folder of the
 * caller's, with esbuild's metafile: dist/extension.js, the lazily required dist/language.js and
 * dist/engine.js. The sizes benchmark reads their sizes and inputs; a unit test checks that nothing
 * activation must not evaluate (yaml, the validator, the run engine) is in extension.js.
 */
import * as path from 'node:path';
import * as esbuild from 'esbuild';

/** As esbuild.mjs's `lazy-modules`: these requires stay runtime requires of the bundle beside. */
const LAZY_MODULES = [
  { request: '../engine', importer: 'runEngine.ts', bundle: './engine.js' },
  { request: '../language', importer: 'languageModule.ts', bundle: './language.js' },
];

const lazyModules: esbuild.Plugin = {
  name: 'lazy-modules',
  setup: (b) =>
    b.onResolve({ filter: /^\.\.\/(engine|language)$/ }, (args) => {
      const lazy = LAZY_MODULES.find((m) => m.request === args.path && args.importer.endsWith(m.importer));
      return lazy ? { path: lazy.bundle, external: true } : undefined;
    }),
};

export const REPO = path.resolve(__dirname, '../..');

/** Builds one entry (e.g. 'src/extension.ts') into `outDir`; the webview's entry is built for the browser. */
export function buildBundle(entry: string, outDir: string): Promise<esbuild.BuildResult & { metafile: esbuild.Metafile }> {
  const node = !entry.startsWith('webview-ui/');
  return esbuild.build({
    entryPoints: [path.join(REPO, entry)],
    outfile: path.join(outDir, path.basename(entry).replace(/\.ts$/, '.js')),
    bundle: true,
    minify: true,
    platform: node ? 'node' : 'browser',
    format: node ? 'cjs' : 'esm',
    target: node ? 'node20' : 'es2022',
    external: ['vscode'],
    metafile: true,
    logLevel: 'error',
    plugins: node ? [lazyModules] : [],
  });
}

/** The inputs of a one-output build, paths relative to the repository. */
export function inputsOf(meta: esbuild.Metafile): Record<string, { bytesInOutput: number }> {
  return Object.values(meta.outputs)[0].inputs;
}

/** Inputs that activation must not evaluate: the spec language (yaml, the validator, the parser) and the run engine. */
export function heavyInputs(meta: esbuild.Metafile): { language: string[]; engine: string[] } {
  const files = Object.keys(inputsOf(meta));
  return {
    language: files.filter((f) =>
      /node_modules\/yaml\/|src\/core\/spec\/(parse|schemaValidator\.generated|schemaCheck|buildSpec)\.ts|src\/core\/quality\/specFromImage\.ts|schema\/qwenprompt\.schema\.json/.test(
        f,
      ),
    ),
    engine: files.filter((f) =>
      /node_modules\/(ws|pngjs)\/|src\/core\/runs\/(runner|session|runCell)\.ts|src\/core\/comfy\/client\.ts|src\/features\/panel\//.test(
        f,
      ),
    ),
  };
}

/** The externals a bundle requires at run time (e.g. './language.js'). */
export function externalsOf(meta: esbuild.Metafile): string[] {
  return Object.values(meta.outputs)[0]
    .imports.filter((i) => i.external)
    .map((i) => i.path);
}
