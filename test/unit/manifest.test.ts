// What the Marketplace and Open VSX show of the extension, and what its .vsix carries: the listing's icon,
// links, keywords and changelog, and a package of what VS Code loads, nothing from tests or sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('the listing has a square 128 or 256 px PNG icon, repository, issue and home links, keywords, a banner and a changelog', () => {
  const icon = readFileSync(path.join(REPO, manifest.icon));
  assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG', `${manifest.icon} is not a PNG (the Marketplace refuses SVG icons)`);
  const [w, h] = [icon.readUInt32BE(16), icon.readUInt32BE(20)];
  assert.ok(w === h && (w === 128 || w === 256), `icon is ${w}×${h}`);
  assert.ok(existsSync(path.join(REPO, 'media', 'icon.svg')), 'the icon keeps its SVG source');
  assert.match(manifest.repository.url, /^https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
  const base = manifest.repository.url.replace(/\.git$/, '');
  assert.equal(manifest.bugs.url, `${base}/issues`);
  assert.ok(manifest.homepage.startsWith(base), manifest.homepage);
  assert.ok(manifest.keywords.length >= 5 && manifest.keywords.length <= 30, 'vsce allows at most 30 keywords');
  assert.ok(manifest.keywords.includes('comfyui'));
  assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
  assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
  const changelog = readFileSync(path.join(REPO, 'CHANGELOG.md'), 'utf8');
  assert.match(changelog, new RegExp(`^## ${manifest.version.replace(/\./g, '\\.')}$`, 'm'), 'the changelog has a section for the version');
  assert.doesNotMatch(manifest.scripts.package, /allow-missing-repository/, 'npm run package needs no waiver');
});

test('the .vsix lists only the bundles, media VS Code loads, schema, grammar, README, CHANGELOG, LICENSE and package.json', () => {
  const vsce = path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
  const files = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: REPO, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', manifest.icon, 'dist/extension.js', 'dist/webview/main.js']) {
    assert.ok(files.includes(f), `${f} is not in the package: ${files.join(', ')}`);
  }
  const stray = files.filter((f) =>
    /^(test|out|src|bench|webview-ui|examples|node_modules|test-artifacts|media\/readme)\/|\.map$|\.ts$/.test(f),
  );
  assert.deepEqual(stray, [], 'the package carries tests, sources or README-only screenshots');
  type Media = { image?: string | Record<string, string>; svg?: string; markdown?: string };
  const steps: { media: Media }[] = manifest.contributes.walkthroughs?.flatMap((w: { steps: unknown[] }) => w.steps) ?? [];
  for (const { media } of steps) {
    const image = typeof media.image === 'string' ? [media.image] : Object.values(media.image ?? {});
    for (const p of [...image, media.svg, media.markdown].filter((x): x is string => !!x)) {
      assert.ok(files.includes(p), `walkthrough media ${p} is not in the package`);
    }
  }
});
