import { describe, expect, it } from 'vitest';
import { decisionRequest, safeHost } from './request.js';

describe('decisionRequest', () => {
  it('keeps the methods fetch refuses, without a body', () => {
    for (const method of ['TRACE', 'track', 'CONNECT']) {
      const r = decisionRequest('https://a.example/x', {
        method,
        headers: new Headers({ a: '1' }),
        body: 'b',
      });
      expect(r.method).toBe(method.toUpperCase());
      expect(r.headers.get('a')).toBe('1');
      expect(r.body).toBeNull();
    }
  });

  it('builds an ordinary request as is, body included', async () => {
    const r = decisionRequest('https://a.example/x', {
      method: 'POST',
      headers: new Headers(),
      body: 'hello',
    });
    expect(r.method).toBe('POST');
    expect(await r.text()).toBe('hello');
  });

  it('still throws for other invalid input', () => {
    expect(() =>
      decisionRequest('https://a.example/x', { method: 'GET', headers: new Headers(), body: 'x' }),
    ).toThrow();
  });
});

describe('safeHost', () => {
  it.each(['app.example.com', 'app.example.com:8443', 'localhost', '[::1]:3000', 'internal_host'])(
    'keeps %s',
    (h) => {
      expect(safeHost(h)).toBe(h);
    },
  );
  it.each([
    'evil/x.css?',
    'a@b',
    'a?b',
    'a#b',
    'a\\b',
    '',
    null,
    undefined,
    // What the URL parser refuses: building a Request from these would throw.
    'app.example:65536',
    'app.example:99999',
    '1.2.3.999',
    '[::g]',
    '[1::2::3]',
  ])('refuses %j', (h) => {
    expect(safeHost(h)).toBeUndefined();
  });
});
