// One build script for every bundle: the extension host, the CLI and the results webview.
// `node esbuild.mjs [--production] [--watch]`
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

// The schema's validator is generated code (no ajv compiler in the bundle, no compile on first use).
createRequire(import.meta.url)('./schema/generate-validator.cjs').writeValidator();

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints start/finish lines and errors in the shape the `$esbuild-watch` problem matcher reads. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

/**
 * Modules the extension host requires on first use, each bundled on its own beside dist/extension.js:
 * `require('../engine')` in src/features/runEngine.ts (the run engine: client, runner, panel) and
 * `require('../language')` in src/features/languageModule.ts (yaml, the schema validator, the spec
 * parser, completions and hovers) stay runtime requires of dist/engine.js and dist/language.js, so
 * activation evaluates neither, and a bundle that needs the other one shares its copy.
 */
const LAZY_MODULES = [
  { request: '../engine', importer: 'runEngine.ts', bundle: './engine.js' },
  { request: '../language', importer: 'languageModule.ts', bundle: './language.js' },
];
const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/(engine|language)$/ }, (args) => {
      const lazy = LAZY_MODULES.find((m) => m.request === args.path && args.importer.endsWith(m.importer));
      return lazy ? { path: lazy.bundle, external: true } : undefined;
    });
  },
};

const shared = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  logOverride: { 'import-is-undefined': 'error' },
  plugins: [problemMatcher],
};

/** A CommonJS bundle for Node 20 (the extension host's and the CLI's). */
function nodeBundle(entry, outfile) {
  return { ...shared, entryPoints: [entry], outfile, platform: 'node', format: 'cjs', target: 'node20' };
}

const configs = [
  // The extension host's three bundles: what activation loads, then the two it requires on first use.
  ...['extension', 'language', 'engine'].map((name) => ({
    ...nodeBundle(`src/${name}.ts`, `dist/${name}.js`),
    external: ['vscode'],
    plugins: [...shared.plugins, lazyModules],
  })),
  // The thumbnail worker thread, started by dist/engine.js and dist/cli.js from beside them.
  nodeBundle('src/core/runs/thumbnailWorker.ts', 'dist/thumbnailWorker.js'),
  { ...nodeBundle('src/cli/main.ts', 'dist/cli.js'), banner: { js: '#!/usr/bin/env node' } },
  {
    ...shared,
    entryPoints: [
      'webview-ui/main.ts',
      'webview-ui/main.css',
      'webview-ui/ratePack.ts',
      'webview-ui/ratePack.css',
      'webview-ui/reportHost.ts',
      'webview-ui/standalone.css',
    ],
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
  },
].filter((c) => (c.entryPoints ?? []).every((p) => existsSync(p)));

const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  try {
    await Promise.all(contexts.map((c) => c.rebuild()));
  } catch {
    process.exitCode = 1;
  } finally {
    await Promise.all(contexts.map((c) => c.dispose()));
  }
}
