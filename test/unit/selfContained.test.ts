import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// out/test/unit -> repository root
const root = resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' || name === 'node_modules' ? [] : sources(p);
    return /\.(ts|mjs|css|sh)$/.test(p) ? [p] : [];
  });
}

test('no source, test or bench cites the project notes that are not in the repository', () => {
  // The protocol, product and style notes live beside the repository, not in it: a comment that
  // points there tells a reader of the repository nothing. State the fact instead.
  const files = ['src', 'webview-ui', 'test', 'bench'].flatMap((d) => sources(join(root, d)));
  assert.ok(files.length > 150, `read ${files.length} files`);
  const cited = new RegExp(`\\b(${['PROTOCOL', 'PRODUCT', 'STYLE'].join('|')})\\.md\\b`);
  const cites = files.filter((f) => cited.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    cites.map((f) => relative(root, f)),
    [],
  );
});

test('every extension, CLI and webview source file stays within 400 lines, so one file keeps one concern', () => {
  const files = ['src', 'webview-ui'].flatMap((d) => sources(join(root, d))).filter((f) => /\.(ts|css)$/.test(f));
  const long = files
    .map((f) => ({ file: relative(root, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > 400);
  assert.deepEqual(long, []);
});
