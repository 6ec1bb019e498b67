import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, renderPanelHtml } from '../../src/features/results/panel/html';
import type { PanelInit } from '../../src/protocol/messages';

const EVIL = '</script><img src=x onerror=alert(1)>';
const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';

function page(init: Partial<PanelInit> = {}, nonce = 'bm9uY2Vub25jZW5vbmNlMQ==') {
  return renderPanelHtml({
    cspSource,
    nonce,
    title: `Results: ${EVIL}`,
    scriptUri: `${cspSource}/ext/dist/webview/main.js`,
    styleUri: `${cspSource}/ext/dist/webview/main.css`,
    init: { protocol: 1, runDir: '/runs/a', imageBase: `${cspSource}/runs/a`, progress: {}, problem: EVIL, ...init },
  });
}

function csp(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'a CSP meta tag');
  return m[1].replace(/&#39;/g, "'");
}

test('the CSP allows only our nonce’d script and our own resources', () => {
  const nonce = makeNonce();
  const policy = csp(page({}, nonce));
  assert.match(policy, /^default-src 'none';/);
  assert.ok(policy.includes(`script-src 'nonce-${nonce}'`));
  assert.ok(policy.includes(`img-src ${cspSource} blob: data:`));
  assert.ok(policy.includes(`style-src ${cspSource};`));
  assert.ok(!policy.includes('unsafe-inline') && !policy.includes('unsafe-eval'));
  assert.ok(!/connect-src|http:\/\/127\.0\.0\.1|\*/.test(policy), policy);
  assert.equal(policy, contentSecurityPolicy(cspSource, nonce));
});

test('every script tag carries the nonce and none has inline code', () => {
  const nonce = makeNonce();
  const html = page({}, nonce);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0][1].includes(`nonce="${nonce}"`));
  assert.equal(scripts[0][2].trim(), '');
});

test('a prompt or error that contains markup stays text in the init attribute', () => {
  const html = page();
  assert.ok(!html.includes('<img src=x'), 'no live <img> from the data');
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'only our own script tag closes');
  const attr = /<meta id="init" data-json="([^"]*)">/.exec(html);
  assert.ok(attr, 'the init meta tag survives intact');
  const decoded = attr[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  assert.equal((JSON.parse(decoded) as PanelInit).problem, EVIL);
  assert.ok(html.includes('<title>Results: &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</title>'));
});

test('nonces are 128 random bits and never repeat', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.equal(Buffer.from(a, 'base64').length, 16);
  assert.notEqual(a, b);
});
