import { next, rewrite } from '@vercel/edge';
import { NextResponse } from 'next/server';
import { describe, expect, it } from 'vitest';
import {
  continueResponse,
  continuesToApp,
  overriddenHeaders,
  setRequestHeaders,
} from './request-headers.js';

const headers = () => new Headers({ 'x-user': 'u1', accept: 'text/html' });
const entries = (h: Headers | undefined) => (h ? [...h.entries()].sort() : undefined);

describe('request header overrides', () => {
  it.each([
    ['NextResponse.next', () => NextResponse.next({ request: { headers: headers() } })],
    ['@vercel/edge next', () => next({ request: { headers: headers() } })],
    [
      '@vercel/edge rewrite',
      () => rewrite('https://a.example/b', { request: { headers: headers() } }),
    ],
  ])('reads what %s writes', (_, make) => {
    expect(entries(overriddenHeaders(make()))).toEqual(entries(headers()));
  });

  it('continues to the app with the same headers as next() from @vercel/edge and Next', () => {
    const mine = continueResponse();
    for (const theirs of [next(), NextResponse.next()]) {
      expect(entries(mine.headers)).toEqual(entries(theirs.headers));
      expect(mine.status).toBe(theirs.status);
    }
    expect(continuesToApp(mine)).toBe(true);
    expect(mine.body).toBeNull();
  });

  it('reads nothing when the middleware did not override', () => {
    expect(overriddenHeaders(NextResponse.next())).toBeUndefined();
  });

  it('replaces an earlier override entirely, so removed headers stay removed', () => {
    const res = NextResponse.next({ request: { headers: headers() } });
    const out = setRequestHeaders(res, new Headers({ accept: 'application/json' }));
    expect(out.headers.get('x-middleware-override-headers')).toBe('accept');
    expect(out.headers.has('x-middleware-request-x-user')).toBe(false);
    expect(entries(overriddenHeaders(out))).toEqual([['accept', 'application/json']]);
  });

  it('writes what NextResponse.next writes for the same headers', () => {
    const mine = setRequestHeaders(new Response(null), headers());
    const nexts = NextResponse.next({ request: { headers: headers() } });
    for (const name of ['x-middleware-override-headers', 'x-middleware-request-x-user']) {
      expect(mine.headers.get(name)).toBe(nexts.headers.get(name));
    }
  });

  it('copies a response whose headers are immutable instead of throwing', () => {
    const redirect = Response.redirect('https://a.example/', 307);
    const out = setRequestHeaders(redirect, headers());
    expect(out).not.toBe(redirect);
    expect(out.status).toBe(307);
    expect(out.headers.get('location')).toBe('https://a.example/');
    expect(out.headers.get('x-middleware-request-x-user')).toBe('u1');
  });

  it('knows which responses continue to the application', () => {
    expect(continuesToApp(NextResponse.next())).toBe(true);
    expect(continuesToApp(NextResponse.rewrite('https://a.example/x'))).toBe(true);
    expect(continuesToApp(NextResponse.redirect('https://a.example/x'))).toBe(false);
    expect(continuesToApp(new Response('done'))).toBe(false);
  });
});
