import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

// The validator the extension ships is generated from schema/qwenprompt.schema.json at build time.
// If someone edits the schema and the generated module is stale, specs would be checked against the
// old schema: the editor would accept or reject the wrong fields.
test('the shipped schema validator is generated from the schema as it is now', () => {
  const repo = path.resolve(__dirname, '../../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gen = require(path.join(repo, 'schema/generate-validator.cjs')) as { TARGET: string; validatorSource(): string };
  assert.equal(readFileSync(gen.TARGET, 'utf8'), gen.validatorSource(), 'run `node schema/generate-validator.cjs` (npm run build does)');
});
