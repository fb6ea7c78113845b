import { describe, expect, it } from 'vitest';
import { allowedReturnUrl, parseOriginPattern } from './origins.js';

const allowed = ['https://app.example.com', 'http://127.0.0.1:*'].map(parseOriginPattern);

describe('allowedReturnUrl', () => {
  it.each([
    'https://app.example.com/login?next=%2Fhome',
    'https://app.example.com',
    'https://APP.example.com:443/x',
    'http://127.0.0.1:39999/articles/1',
    'http://127.0.0.1/',
  ])('accepts %s', (url) => {
    expect(allowedReturnUrl(url, allowed)?.href).toBe(new URL(url).href);
  });

  it.each([
    ['a foreign origin', 'https://evil.example/'],
    ['a look-alike suffix', 'https://app.example.com.evil.example/'],
    ['a look-alike prefix', 'https://evilapp.example.com/'],
    ['credentials pointing elsewhere', 'https://app.example.com@evil.example/'],
    ['credentials at all', 'https://user:pw@app.example.com/'],
    ['protocol-relative', '//evil.example/'],
    ['relative', '/login'],
    ['backslashes', 'https:\\\\evil.example/'],
    ['javascript:', 'javascript:alert(1)//https://app.example.com'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['another scheme', 'http://app.example.com/'],
    ['another port', 'https://app.example.com:8443/'],
    ['localhost for 127.0.0.1', 'http://localhost:3000/'],
    ['https for an http pattern', 'https://127.0.0.1:3000/'],
    ['empty', ''],
  ])('refuses %s', (_what, url) => {
    expect(allowedReturnUrl(url, allowed)).toBeUndefined();
  });

  it('refuses everything when no origin is configured', () => {
    expect(allowedReturnUrl('https://app.example.com/', [])).toBeUndefined();
  });
});

describe('parseOriginPattern', () => {
  it.each([
    'https://app.example.com/path',
    'https://app.example.com?x',
    'https://user@app.example.com',
    'ftp://app.example.com',
    'javascript:alert(1)',
    'app.example.com',
    '*://app.example.com',
    'https://*.example.com',
    'http://127.0.0.1:80:*',
    'https://APP.example.com',
  ])('rejects %s', (pattern) => {
    expect(() => parseOriginPattern(pattern)).toThrow();
  });

  it('names the canonical form, and keeps exact and wildcard ports', () => {
    expect(() => parseOriginPattern('https://app.example.com:443')).toThrow(
      'expected a bare origin like https://app.example.com',
    );
    expect(parseOriginPattern('http://127.0.0.1:3000').port).toBe('3000');
    expect(parseOriginPattern('http://[::1]:*')).toEqual({
      protocol: 'http:',
      hostname: '[::1]',
      port: '*',
    });
  });
});
