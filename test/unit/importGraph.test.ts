import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// out/test/unit -> repository root
const root = resolve(__dirname, '../../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'dev' ? [] : tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative import targets of a file, type-only imports included: a type cycle is a design cycle too. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s*'([^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/\b(?:require|import)\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]),
  ];
  const out: string[] = [];
  for (const spec of specs) {
    if (!spec.startsWith('.') || /\.(json|css)$/.test(spec)) continue;
    const base = resolve(dirname(file), spec);
    const hit = [`${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p));
    assert.ok(hit, `${relative(root, file)} imports ${spec}, which resolves to no .ts file`);
    out.push(relative(root, hit));
  }
  return out;
}

/** The strongly connected components with more than one node (or a self-edge): each is a cycle. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return found;
}

/**
 * The folder a file belongs to as a module: `src/core/<area>`, `src/features/<area>` and
 * `webview-ui/<area>` (their subfolders fold into them), else its top folder under src/.
 */
export function moduleOf(file: string): string {
  const parts = dirname(file).split('/');
  const depth = parts[0] === 'src' && (parts[1] === 'core' || parts[1] === 'features') ? 3 : 2;
  return parts.slice(0, depth).join('/');
}

/**
 * The bundles loaded on first use (esbuild.mjs makes dist/engine.js and dist/language.js of them) and
 * the one loader of each. A loader's reference to its bundle is no import inside a bundle: it is
 * `import type` plus a `require()` that esbuild leaves to run time, the seam between two bundles. So
 * those edges are left out of the graph, and a test below keeps the seam to exactly these files.
 */
const LAZY_BUNDLES: Record<string, string> = {
  'src/engine.ts': 'src/features/runEngine.ts',
  'src/language.ts': 'src/features/languageModule.ts',
};

function allFiles(): string[] {
  return [...tsFiles(join(root, 'src')), ...tsFiles(join(root, 'webview-ui'))].map((f) => relative(root, f));
}

function fileGraph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const f of allFiles()) {
    g.set(f, new Set(relativeImports(join(root, f)).filter((t) => LAZY_BUNDLES[t] !== f)));
  }
  return g;
}

test('a lazily loaded bundle is reached only by its loader, through `import type` and require()', () => {
  for (const f of allFiles()) {
    for (const t of relativeImports(join(root, f))) {
      if (!(t in LAZY_BUNDLES)) continue;
      assert.equal(f, LAZY_BUNDLES[t], `${f} imports the lazily loaded ${t}`);
    }
  }
  for (const [entry, loader] of Object.entries(LAZY_BUNDLES)) {
    const text = readFileSync(join(root, loader), 'utf8');
    const name = entry.replace(/^src\/|\.ts$/g, '');
    const valueImport = new RegExp(`^\\s*import\\s+(?!type\\b)[^'";]*from\\s*'\\.\\./${name}'`, 'm');
    assert.ok(!valueImport.test(text), `${loader} imports ${entry} as a value (it would join the bundles)`);
    assert.ok(text.includes(`require('../${name}')`), `${loader} requires ${entry} at run time`);
  }
});

test('the cycle finder sees a planted cycle and passes a chain (so the checks below can fail)', () => {
  const g = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['c'])],
    ['c', new Set(['a'])],
    ['d', new Set(['a'])],
  ]);
  assert.deepEqual(cycles(g), [['a', 'b', 'c']]);
  assert.deepEqual(
    cycles(
      new Map([
        ['a', new Set(['b'])],
        ['b', new Set<string>()],
      ]),
    ),
    [],
  );
  assert.equal(moduleOf('src/core/comfy/workflow/userGraph.ts'), 'src/core/comfy');
  assert.equal(moduleOf('src/shared/format.ts'), 'src/shared');
  assert.equal(moduleOf('src/extension.ts'), 'src');
});

test('no import cycle between files in src/ and webview-ui/ (type-only imports count)', () => {
  const g = fileGraph();
  assert.ok(g.size > 100, `read ${g.size} files`);
  assert.deepEqual(cycles(g), []);
});

test('no import cycle between folders (src/core/<area>, src/features/<area>, src/shared, src/protocol, …)', () => {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of fileGraph()) {
    const from = moduleOf(file);
    const edges = folders.get(from) ?? new Set<string>();
    folders.set(from, edges);
    for (const t of targets) if (moduleOf(t) !== from) edges.add(moduleOf(t));
  }
  assert.ok(folders.size > 8, `read ${folders.size} folders`);
  assert.deepEqual(cycles(folders), []);
});
