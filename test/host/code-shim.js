#!/usr/bin/env node
// The "VS Code executable" for @vscode/test-electron's runTests() on machines where VS Code cannot be
// downloaded: runs the extension tests in a private code-server (see shim.ts). Needs the compiled
// harness (`tsc -p tsconfig.integration.json`) and `npm run setup:host`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', '..', 'out', 'test', 'host', 'shim.js');
if (!existsSync(compiled)) {
  console.error(`code-shim: ${compiled} is missing; run \`npx tsc -p tsconfig.integration.json\` first.`);
  process.exit(1);
}
require(compiled)
  .runShim(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((e) => {
    console.error('code-shim:', e);
    process.exit(1);
  });
