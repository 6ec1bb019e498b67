/**
 * Error brands: dist/engine.js and dist/extension.js each bundle their own copy of the error classes,
 * so an error one made must be recognised by the other's guard, where `instanceof` fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { buildBundle } from '../../bench/hostBundles';
import { ComfyError, isComfyError } from '../../src/core/comfy/errors';
import { GraphMappingError, isGraphMappingError } from '../../src/core/comfy/workflow/graphMappingError';

type Errors = typeof import('../../src/core/comfy/errors');
type Mapping = typeof import('../../src/core/comfy/workflow/graphMappingError');

/** A second copy of a compiled module (and of what it imports from core/comfy), as another bundle has. */
function secondCopy<T>(request: string): T {
  const dir = path.dirname(require.resolve('../../src/core/comfy/errors'));
  const cached = Object.keys(require.cache).filter((k) => k.startsWith(dir));
  const saved = cached.map((k) => [k, require.cache[k]] as const);
  cached.forEach((k) => delete require.cache[k]);
  try {
    return require(request) as T;
  } finally {
    for (const [k, m] of saved) require.cache[k] = m;
  }
}

describe('error brands', () => {
  it('a ComfyError made by a second copy of the module is recognised, with its kind', () => {
    const other = secondCopy<Errors>('../../src/core/comfy/errors');
    assert.notEqual(other.ComfyError, ComfyError, 'really a second copy');
    const e = other.unreachableError('http://127.0.0.1:1');
    assert.equal(e instanceof ComfyError, false);
    assert.equal(isComfyError(e), true);
    assert.equal(isComfyError(e, 'unreachable'), true);
    assert.equal(isComfyError(e, 'timeout'), false);
    assert.equal(other.isComfyError(new ComfyError('watchdog', 'stuck'), 'watchdog'), true, 'and the other way round');
  });

  it('a GraphMappingError made by a second copy is recognised', () => {
    const other = secondCopy<Mapping>('../../src/core/comfy/workflow/graphMappingError');
    const e = new other.GraphMappingError('sampler', '3', 'no sampler');
    assert.equal(e instanceof GraphMappingError, false);
    assert.equal(isGraphMappingError(e), true);
    assert.equal(other.isGraphMappingError(new GraphMappingError('seed', '', 'x')), true);
  });

  it('an error from an esbuild bundle of the module is recognised as one from the sources', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qp-brand-'));
    try {
      await buildBundle('src/core/comfy/errors.ts', dir);
      const bundled = require(path.join(dir, 'errors.js')) as Errors;
      const e = bundled.httpError(500, 'boom', 'http://127.0.0.1:1', 'GET /view');
      assert.equal(e instanceof ComfyError, false);
      assert.equal(isComfyError(e, 'server'), true);
      assert.equal(bundled.isComfyError(new ComfyError('aborted', 'x'), 'aborted'), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('look-alikes are not recognised: the name and fields alone do not make one', () => {
    const fake = Object.assign(new Error('x'), { name: 'ComfyError', kind: 'server' });
    assert.equal(isComfyError(fake), false);
    assert.equal(isComfyError({ kind: 'server', message: 'x' }), false);
    assert.equal(isComfyError(undefined), false);
    assert.equal(isComfyError('ComfyError'), false);
    assert.equal(isGraphMappingError(Object.assign(new Error('x'), { name: 'GraphMappingError', field: 'seed', node: '' })), false);
    assert.equal(isComfyError(new GraphMappingError('seed', '', 'x')), false);
  });

  it('the brand shows in no key, JSON or log line of the error', () => {
    const e = new ComfyError('server', 'boom', { status: 500 });
    assert.equal(Object.getOwnPropertySymbols(e).length, 0);
    assert.doesNotMatch(JSON.stringify({ ...e }), /qwenprompt/);
    assert.doesNotMatch(inspect(e), /qwenprompt\.ComfyError/);
  });
});
