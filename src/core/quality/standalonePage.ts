// One HTML file that works opened from disk with nothing else: its script and styles inline under a
// nonce, its data in an escaped attribute, its images as data: URLs, and a policy that lets it load
// nothing from anywhere (no network, no other file).
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface StandalonePage {
  title: string;
  /** Bundles in dist/webview run in this order (reportHost before main). */
  scripts: string[];
  /** The CSS bundle in dist/webview. */
  style: string;
  /** Each handed to the scripts as JSON in <meta id="{id}" data-json>. */
  data: Record<string, unknown>;
  /** Where images may come from besides data: and blob: ('self' for images beside the page). */
  imagesBeside?: boolean;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The policy: inline script and style by nonce, images only from data:, blob: (and files beside the page), nothing else. */
export function standaloneCsp(nonce: string, imagesBeside = false): string {
  return [
    "default-src 'none'",
    // A page opened from disk has an opaque origin: 'self' alone would not match the files beside it.
    imagesBeside ? "img-src 'self' file: data: blob:" : 'img-src data: blob:',
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Where the webview bundles are: beside the CLI and engine bundles (dist/), or the repo's dist/ under test. */
export function webviewAssets(): string {
  const candidates = [path.join(__dirname, 'webview'), path.join(__dirname, '..', '..', '..', '..', 'dist', 'webview')];
  const found = candidates.find((d) => existsSync(path.join(d, 'ratePack.js')));
  if (!found) throw new Error(`The page's script is missing (looked in ${candidates.join(', ')}): build with \`npm run build\`.`);
  return found;
}

/** The page's HTML with its bundle's script and CSS inlined. */
export async function standaloneHtml(page: StandalonePage, assets = webviewAssets()): Promise<string> {
  const [css, ...js] = await Promise.all([
    fs.readFile(path.join(assets, `${page.style}.css`), 'utf8'),
    ...page.scripts.map((s) => fs.readFile(path.join(assets, `${s}.js`), 'utf8')),
  ]);
  const nonce = randomBytes(16).toString('base64');
  // Inline text must not close its own element early.
  const scripts = js
    .map((t) => t.replace(/<\/(script)/gi, '<\\/$1').replace(/\/\/# sourceMappingURL=.*$/m, ''))
    .map((t) => `<script type="module" nonce="${nonce}">${t}</script>`)
    .join('\n');
  const style = css.replace(/<\/(style)/gi, '<\\/$1').replace(/\/\*# sourceMappingURL=.*\*\//, '');
  const metas = Object.entries(page.data)
    .map(([id, v]) => `<meta id="${escapeHtml(id)}" data-json="${escapeHtml(JSON.stringify(v))}">`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${standaloneCsp(nonce, page.imagesBeside)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(page.title)}</title>
<style nonce="${nonce}">${style}</style>
${metas}
</head>
<body>
<main id="app"></main>
${scripts}
</body>
</html>
`;
}

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** An image of the run folder as a data: URL (file names come from the record and stay inside the folder). */
export async function dataUrl(runDir: string, file: string): Promise<string | undefined> {
  const full = path.resolve(runDir, file);
  if (path.relative(runDir, full).startsWith('..') || path.isAbsolute(path.relative(runDir, full))) return undefined;
  const mime = MIME[path.extname(file).toLowerCase()];
  if (!mime) return undefined;
  const bytes = await fs.readFile(full).catch(() => undefined);
  return bytes && `data:${mime};base64,${bytes.toString('base64')}`;
}
