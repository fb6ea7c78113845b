import { describe, expect, it } from 'vitest';
import {
  compileRoutes,
  EXACT_ROUTING,
  hasAmbiguousSlash,
  hasDotSegment,
  isStaticAsset,
  normalizePath,
  routePath,
} from './routes.js';

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
    '/_next/image?url=x',
    '/favicon.ico',
    '/robots.txt',
    '/sitemap.xml',
  ])('%s is build output or a well-known file: skipped by default', (p) => {
    expect(isStaticAsset(p)).toBe(true);
    expect(isStaticAsset(p, 'by-extension')).toBe(true);
    expect(isStaticAsset(p, false)).toBe(false);
  });
  it.each(['/img/a.PNG', '/app.css', '/f.woff2', '/panel/x.css', '/api/users/1.js'])(
    '%s is skipped only by extension: a parameter route could serve it',
    (p) => {
      expect(isStaticAsset(p)).toBe(false);
      expect(isStaticAsset(p, 'by-extension')).toBe(true);
    },
  );
  it.each(['/', '/login', '/api/users.json', '/css', '/static-page', '/_next/imagex'])(
    '%s is not',
    (p) => {
      expect(isStaticAsset(p, 'by-extension')).toBe(false);
    },
  );
});

describe('hasAmbiguousSlash', () => {
  it.each(['//secret.html', '/a//b', '/%2fsecret.html', '/a%2Fb', '/a%5cb', '/a/'])('%s', (p) => {
    expect(hasAmbiguousSlash(p)).toBe(p !== '/a/');
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

describe('routePath', () => {
  const express = { caseSensitive: false, strict: false, ambiguousSlashes: 'refuse' } as const;
  it('keeps the path exact for Web-standard routers', () => {
    expect(routePath('/Admin/', EXACT_ROUTING)).toBe('/Admin/');
    expect(routePath('/%61dmin', EXACT_ROUTING)).toBe('/admin');
  });
  it('folds case and one trailing slash the way Express routes them', () => {
    expect(routePath('/ADMIN', express)).toBe('/admin');
    expect(routePath('/login/', express)).toBe('/login');
    expect(routePath('/%41DMIN/', express)).toBe('/admin');
    // path-to-regexp's optional slash is one slash: `/login//` is not `/login`.
    expect(routePath('/login//', express)).toBe('/login/');
    expect(routePath('/', express)).toBe('/');
    // Reserved escapes keep their meaning, in upper case.
    expect(routePath('/A%2fB', EXACT_ROUTING)).toBe('/A%2FB');
    expect(routePath('/A%2fB', express)).toBe('/a%2fb');
  });
  it('costs the same for any length: the path is cut before it is decoded', () => {
    const long = `/${'%61'.repeat(400_000)}`;
    expect(routePath(long, express).length).toBeLessThanOrEqual(2048);
  });
});

describe('compileRoutes with routing', () => {
  const express = { caseSensitive: false, strict: false, ambiguousSlashes: 'refuse' } as const;
  const req = new Request('https://x/');
  it('matches patterns in the router’s own terms', () => {
    const m = compileRoutes(['/Admin/**', '/login/'], 'failClosedRoutes', express)!;
    for (const p of ['/admin', '/admin/x', '/login'])
      expect(m(routePath(p, express), req)).toBe(true);
    expect(m(routePath('/ADMIN/Users', express), req)).toBe(true);
    expect(m(routePath('/LOGIN/', express), req)).toBe(true);
    expect(m(routePath('/logins', express), req)).toBe(false);
  });
  it('stays exact by default', () => {
    const m = compileRoutes(['/admin'], 'include')!;
    expect(m('/admin', req)).toBe(true);
    expect(m('/ADMIN', req)).toBe(false);
    expect(m('/admin/', req)).toBe(false);
  });
});

describe('hasDotSegment', () => {
  it.each([
    '/panel/..',
    '/panel/../',
    '/panel/.',
    '/./admin',
    '/panel/%2e%2e',
    '/panel/%2E%2e/admin',
    '/panel/.%2e',
    '/css%2f..%2fsecret.html',
    '/css%2F%2e%2e%2Fsecret.html',
    '/a\\..\\b',
    '/a/..;/admin',
    '..',
  ])('finds %s', (path) => {
    expect(hasDotSegment(path)).toBe(true);
  });
  it.each(['/', '/a..b', '/...', '/.well-known/x', '/a/.b', '/file.txt', '/%2e%2e%2e', '/a%2e'])(
    'leaves %s alone',
    (path) => {
      expect(hasDotSegment(path)).toBe(false);
    },
  );
  it('scans a long path in linear time', () => {
    expect(hasDotSegment(`/${'%2f.x'.repeat(100_000)}`)).toBe(false);
  });
});
