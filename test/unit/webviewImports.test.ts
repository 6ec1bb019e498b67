import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

// out/test/unit -> repository root
const root = resolve(__dirname, '../../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'dev' ? [] : tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => ({ spec: m[3], typeOnly: !!m[2] }));
}

test('the webview imports nothing from src/ but src/protocol (and no vscode, no node)', () => {
  const files = tsFiles(join(root, 'webview-ui'));
  assert.ok(files.length > 3);
  for (const f of files) {
    for (const { spec } of imports(f)) {
      assert.ok(spec.startsWith('.'), `${relative(root, f)} imports package ${spec}`);
      const target = relative(root, resolve(dirname(f), spec));
      assert.ok(target.startsWith('webview-ui') || target.startsWith('src/protocol'), `${relative(root, f)} imports ${target}`);
    }
  }
});

test('src/protocol imports nothing at run time: only types from the core', () => {
  for (const f of tsFiles(join(root, 'src/protocol'))) {
    for (const { spec, typeOnly } of imports(f)) {
      const target = relative(root, resolve(dirname(f), spec));
      if (target.startsWith('src/protocol')) continue;
      assert.ok(typeOnly && target.startsWith('src/core/'), `${relative(root, f)} imports ${spec}`);
    }
  }
});
