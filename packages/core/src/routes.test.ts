import { describe, expect, it } from 'vitest';
import { compileRoutes, isStaticAsset, normalizePath } from './routes.js';

const req = new Request('https://example.com/');

describe('compileRoutes', () => {
  it.each([
    ['/login', '/login', true],
    ['/login', '/login/x', false],
    ['/api/*', '/api/users', true],
    ['/api/*', '/api/users/1', false],
    ['/api/**', '/api/users/1', true],
    ['/api/**', '/api', true],
    ['/api/**', '/apix', false],
    ['/a.b', '/axb', false],
    ['/*/edit', '/post/edit', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(compileRoutes([pattern], 'include')!(path, req)).toBe(expected);
  });

  it('accepts RegExps (ignoring g/y state) and functions', () => {
    const m = compileRoutes([/^\/admin/g, (p) => p === '/x'], 'exclude')!;
    expect([m('/admin', req), m('/admin', req), m('/admin', req)]).toEqual([true, true, true]);
    expect(m('/x', req)).toBe(true);
    expect(m('/y', req)).toBe(false);
  });

  it('returns undefined for no patterns and names the bad entry', () => {
    expect(compileRoutes([], 'include')).toBeUndefined();
    expect(() => compileRoutes(['login'], 'exclude')).toThrow(/exclude\[0\]/);
  });
});

describe('isStaticAsset', () => {
  it.each([
    '/_next/static/chunks/a.js',
    '/favicon.ico',
    '/img/a.PNG',
    '/app.css',
    '/f.woff2',
    '/robots.txt',
  ])('%s is static', (p) => {
    expect(isStaticAsset(p)).toBe(true);
  });
  it.each(['/', '/login', '/api/users.json', '/css', '/static-page'])('%s is not', (p) => {
    expect(isStaticAsset(p)).toBe(false);
  });
});

describe('normalizePath', () => {
  it.each([
    ['/%61dmin', '/admin'],
    ['/%41%7E%2d', '/A~-'],
    ['/a%2Fb', '/a%2Fb'],
    ['/a%2fb', '/a%2Fb'],
    ['/%25', '/%25'],
    ['/plain', '/plain'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });
});
