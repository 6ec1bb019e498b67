// `npm run check-types` must see every file of the webview (a planted type error anywhere in it fails),
// and check src/shared and src/protocol without the DOM or Node's types, as the webview bundle and the
// host both compile them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts = require('typescript');

// out/test/unit -> repository root
const root = resolve(__dirname, '../../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The files and options tsc takes from one tsconfig, as `tsc -p` resolves them. */
function project(config: string): { files: Set<string>; options: ts.CompilerOptions } {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, config),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  assert.ok(parsed, config);
  assert.deepEqual(parsed.errors, [], config);
  return { files: new Set(parsed.fileNames.map((f) => relative(root, f))), options: parsed.options };
}

/** The tsconfig files `npm run check-types` hands to tsc. */
function checkedConfigs(): string[] {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return [...scripts['check-types'].matchAll(/\btsc\s+-p\s+(\S+)/g)].map((m) => m[1]);
}

test('check-types compiles every webview file, and src/shared and src/protocol, with the DOM and without Node', () => {
  const configs = checkedConfigs();
  const webview = configs.map(project).filter((p) => (p.options.lib ?? []).some((l) => /dom/i.test(l)));
  assert.equal(webview.length, 1, `one DOM project among ${configs.join(', ')}`);
  const { files, options } = webview[0];
  assert.deepEqual(options.types, [], 'no @types (node, vscode) in the webview project');
  const expected = [...tsFiles(join(root, 'webview-ui')), ...tsFiles(join(root, 'src/shared')), ...tsFiles(join(root, 'src/protocol'))];
  assert.ok(expected.length > 30);
  const missing = expected.map((f) => relative(root, f)).filter((f) => !files.has(f));
  assert.deepEqual(missing, [], 'webview files tsc never sees');
});

test("check-types compiles src/shared and src/protocol with neither the DOM nor Node's types", () => {
  const pure = checkedConfigs()
    .map(project)
    .filter((p) => p.options.types?.length === 0 && !(p.options.lib ?? []).some((l) => /dom/i.test(l)));
  assert.equal(pure.length, 1);
  const expected = [...tsFiles(join(root, 'src/shared')), ...tsFiles(join(root, 'src/protocol'))].map((f) => relative(root, f));
  assert.deepEqual(
    expected.filter((f) => !pure[0].files.has(f)),
    [],
  );
  assert.ok(
    [...pure[0].files].every((f) => f.startsWith('src/shared/') || f.startsWith('src/protocol/')),
    'and nothing they could lean on',
  );
});
