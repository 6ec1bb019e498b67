// The host bundle split that keeps activation cheap (issue 5): dist/extension.js evaluates no YAML
// parser, schema validator or run engine; it requires dist/language.js and dist/engine.js on first use,
// and the engine carries no second copy of the spec language. Built as esbuild.mjs builds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildBundle, externalsOf, heavyInputs, inputsOf } from '../../bench/hostBundles';

test('dist/extension.js holds neither the spec language (yaml, validator, parser) nor the run engine; it requires both lazily', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-split-'));
  try {
    const host = await buildBundle('src/extension.ts', dir);
    const heavy = heavyInputs(host.metafile);
    assert.deepEqual(heavy.language, [], 'the spec language crept into extension.js (a static import of core/spec/parse, yaml, …?)');
    assert.deepEqual(heavy.engine, [], 'the run engine crept into extension.js');
    assert.ok(!Object.keys(inputsOf(host.metafile)).some((f) => f.includes('node_modules/')), 'extension.js bundles no package');
    assert.deepEqual(
      externalsOf(host.metafile)
        .filter((p) => p.startsWith('./'))
        .sort(),
      ['./engine.js', './language.js'],
    );

    const language = await buildBundle('src/language.ts', dir);
    const inLanguage = Object.keys(inputsOf(language.metafile));
    assert.ok(
      inLanguage.some((f) => f.includes('node_modules/yaml/')),
      'language.js is where yaml lives',
    );
    assert.ok(inLanguage.includes('src/core/spec/schemaValidator.generated.ts'));
    assert.deepEqual(heavyInputs(language.metafile).engine, [], 'the language module does not carry the run engine');

    const engine = await buildBundle('src/engine.ts', dir);
    assert.deepEqual(heavyInputs(engine.metafile).language, [], 'engine.js carries a second copy of the spec language');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
