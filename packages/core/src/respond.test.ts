import { describe, expect, it } from 'vitest';
import type { Decision } from './decision.js';
import {
  blockResponse,
  challengeResponse,
  clearanceRedirect,
  decorateResponse,
  upstreamHeaders,
} from './respond.js';

const decision = (over: Partial<Decision> = {}): Decision => ({
  action: 'block',
  mode: 'live',
  enforced: true,
  source: 'remote',
  reason: 'runtime',
  ttlSeconds: 0,
  responseHeaders: [],
  upstreamHeaders: [],
  latencyMs: 1,
  pending: Promise.resolve(),
  decisionId: 'dec_1',
  ...over,
});
const browser = new Request('https://app.example/login?x=1', {
  headers: { accept: 'text/html,*/*' },
});
const api = new Request('https://app.example/api', { headers: { accept: 'application/json' } });
const origins = new Set(['https://rt.example']);

describe('blockResponse', () => {
  it('HTML for browsers, JSON otherwise, runtime headers appended', async () => {
    const d = decision({
      responseHeaders: [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    });
    const html = blockResponse(d, browser);
    expect(html.status).toBe(403);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('dec_1');
    expect(html.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const json = blockResponse(d, api);
    expect(await json.json()).toEqual({ error: 'blocked', decision_id: 'dec_1' });
    expect(blockResponse(d, new Request('https://app.example/')).headers.get('content-type')).toBe(
      'application/json',
    );
  });

  it('escapes the decision id in HTML', async () => {
    expect(await blockResponse(decision({ decisionId: '<script>' }), browser).text()).not.toContain(
      '<script>',
    );
  });
});

describe('challengeResponse', () => {
  it('redirects browsers with return_url, answers JSON to others', async () => {
    const d = decision({ action: 'challenge', challengeUrl: 'https://rt.example/challenge?d=1' });
    const r = challengeResponse(d, browser, origins);
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.get('location')!);
    expect(loc.origin).toBe('https://rt.example');
    expect(loc.searchParams.get('d')).toBe('1');
    expect(loc.searchParams.get('return_url')).toBe('https://app.example/login?x=1');
    const j = challengeResponse(d, api, origins);
    expect(j.status).toBe(403);
    const jsonUrl = new URL((await j.json()).challenge_url);
    expect(jsonUrl.searchParams.get('return_url')).toBe('https://app.example/api');
  });

  it.each([
    ['a foreign origin', 'https://evil.example/c'],
    ['a look-alike origin', 'https://rt.example.evil.example/c'],
    ['a protocol-relative trick', '//evil.example/c'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['no URL', undefined],
  ])('never redirects to %s: blocks instead', (_n, url) => {
    const r = challengeResponse(
      decision({ action: 'challenge', challengeUrl: url }),
      browser,
      origins,
    );
    expect(r.status).toBe(403);
    expect(r.headers.get('location')).toBeNull();
  });
});

describe('decorateResponse / upstreamHeaders', () => {
  it('appends to mutable and immutable responses alike', () => {
    const d = decision({ action: 'allow', responseHeaders: [['set-cookie', 'rt=1']] });
    const mutable = new Response('ok', { headers: { 'set-cookie': 'app=1' } });
    expect(decorateResponse(mutable, d).headers.getSetCookie()).toEqual(['app=1', 'rt=1']);
    const immutable = Response.redirect('https://app.example/next', 302);
    const out = decorateResponse(immutable, d);
    expect(out.status).toBe(302);
    expect(out.headers.getSetCookie()).toEqual(['rt=1']);
  });

  it('strips client-sent x-esper-* and adds the decision', () => {
    const h = upstreamHeaders(
      new Headers({
        'x-esper-decision': 'allow',
        'x-esper-decision-id': 'forged',
        'x-esper-anything': '1',
        accept: '*/*',
      }),
      decision({ action: 'allow', upstreamHeaders: [['x-risk', 'low']] }),
    );
    expect(Object.fromEntries(h)).toEqual({
      accept: '*/*',
      'x-esper-decision': 'allow',
      'x-esper-decision-id': 'dec_1',
      'x-esper-mode': 'live',
      'x-risk': 'low',
    });
  });
});

describe('clearanceRedirect', () => {
  const accepted = decision({
    action: 'allow',
    enforced: false,
    responseHeaders: [
      ['set-cookie', 'esper_clearance=tok; Path=/; HttpOnly'],
      ['set-cookie', 'other=1'],
    ],
  });
  const back = new Request('https://app.example/login?next=%2F&esper_clearance=tok', {
    headers: { accept: 'text/html' },
  });

  it('sends the browser to the same URL without the token, cookies set', () => {
    const r = clearanceRedirect(accepted, back)!;
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('https://app.example/login?next=%2F');
    expect(r.headers.getSetCookie()).toEqual(['esper_clearance=tok; Path=/; HttpOnly', 'other=1']);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('does nothing unless the runtime accepted the token on a GET with the token in the URL', () => {
    const refused = decision({ action: 'allow', enforced: false, responseHeaders: [] });
    expect(clearanceRedirect(refused, back)).toBeNull();
    expect(clearanceRedirect(decision({ action: 'challenge' }), back)).toBeNull();
    expect(clearanceRedirect(accepted, new Request('https://app.example/login'))).toBeNull();
    expect(clearanceRedirect(accepted, new Request(back.url, { method: 'POST' }))).toBeNull();
  });
});

describe('upstreamHeaders replaces client copies of runtime headers', () => {
  it('the runtime value replaces, never joins, what the client sent', () => {
    const h = upstreamHeaders(
      new Headers({ 'x-risk': 'low' }),
      decision({ action: 'allow', upstreamHeaders: [['x-risk', 'high']] }),
    );
    expect(h.get('x-risk')).toBe('high');
  });
});
