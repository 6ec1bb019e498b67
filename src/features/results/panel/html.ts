// The results panel's HTML. Pure (no vscode import) so node:test can check the CSP and the escaping.
import { randomBytes } from 'node:crypto';
import type { PanelInit } from '../../../protocol/messages';

export interface PanelHtmlInput {
  /** webview.cspSource */
  cspSource: string;
  /** asWebviewUri of dist/webview/main.js and main.css */
  scriptUri: string;
  styleUri: string;
  nonce: string;
  title: string;
  init: PanelInit;
}

/** 128 random bits: a CSP nonce nobody can guess (unlike Math.random). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes text for a double-quoted attribute or element content. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} blob: data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** The initial data travels in an escaped attribute, never as script text, so nothing in a prompt
 * or file name can end a tag and run. */
export function renderPanelHtml(i: PanelHtmlInput): string {
  const csp = contentSecurityPolicy(i.cspSource, i.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta id="init" data-json="${escapeHtml(JSON.stringify(i.init))}">
<link rel="stylesheet" href="${escapeHtml(i.styleUri)}">
<title>${escapeHtml(i.title)}</title>
</head>
<body>
<div id="app" role="main"></div>
<script type="module" nonce="${escapeHtml(i.nonce)}" src="${escapeHtml(i.scriptUri)}"></script>
</body>
</html>
`;
}
