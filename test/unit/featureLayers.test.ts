// The host's feature folders stay layered: each imports only the folders before it, so no two features
// import each other and none imports a file that imports it back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// out/test/unit -> repository root
const root = resolve(__dirname, '../../..');
const features = join(root, 'src/features');
/** Each folder may import the ones before it, never the ones after. */
const LAYERS = ['server', 'spec', 'runs', 'results'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The repository files a source file imports (types too), relative imports only. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/\b(?:require|import)\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]),
  ];
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s))
    .map((p) => [`${p}.ts`, join(p, 'index.ts'), p].find((c) => existsSync(c) && statSync(c).isFile()) ?? p);
}

/** `server`, `spec`, … for a file in a feature folder; '' for the shared files at src/features/. */
function folderOf(file: string): string {
  const rel = relative(features, file);
  return rel.includes(sep) ? rel.split(sep)[0] : '';
}

test('each feature folder imports only the folders before it; the shared files and src/platform import none', () => {
  const files = [...tsFiles(features), ...tsFiles(join(root, 'src/platform'))];
  assert.deepEqual(
    [...new Set(tsFiles(features).map(folderOf))].filter(Boolean).sort(),
    [...LAYERS].sort(),
    'the check knows every feature folder',
  );
  const crossings: string[] = [];
  for (const file of files) {
    const from = file.startsWith(features) ? folderOf(file) : 'platform';
    for (const target of importsOf(file).filter((t) => t.startsWith(features + sep))) {
      const to = folderOf(target);
      if (to === '' || to === from) continue;
      crossings.push(`${from}→${to}`);
      const allowed = LAYERS.includes(from) && LAYERS.indexOf(to) < LAYERS.indexOf(from);
      assert.ok(allowed, `${relative(root, file)} (${from || 'shared'}) imports ${relative(root, target)} (${to})`);
    }
  }
  assert.ok(crossings.includes('runs→server') && crossings.includes('results→runs'), 'the check sees imports between folders');
});

test('no import cycle among the files of src/features, src/platform and src/extension.ts', () => {
  const files = [...tsFiles(features), ...tsFiles(join(root, 'src/platform')), join(root, 'src/extension.ts')];
  const inScope = new Set(files);
  const edges = new Map(files.map((f) => [f, importsOf(f).filter((t) => inScope.has(t))]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      const cycle = [...stack.slice(stack.indexOf(f)), f].map((p) => relative(root, p));
      assert.fail(`import cycle: ${cycle.join(' → ')}`);
    }
    state.set(f, 'open');
    stack.push(f);
    for (const t of edges.get(f) ?? []) visit(t);
    stack.pop();
    state.set(f, 'done');
  };
  files.forEach(visit);
  assert.ok([...edges.values()].reduce((n, e) => n + e.length, 0) > 50, 'the check follows the imports');
});
