import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from './client-ip.js';

const h = (init: Record<string, string>) => new Headers(init);
const SPOOF = {
  'x-forwarded-for': '6.6.6.6',
  'x-real-ip': '6.6.6.7',
  'true-client-ip': '6.6.6.8',
  forwarded: 'for=6.6.6.9',
};

describe('client IP presets', () => {
  it('cloudflare trusts cf-connecting-ip only', () => {
    const resolve = createClientIpResolver({ preset: 'cloudflare' });
    expect(resolve(h({ ...SPOOF, 'cf-connecting-ip': '198.51.100.1' }), '10.0.0.1')).toBe(
      '198.51.100.1',
    );
    expect(resolve(h(SPOOF), '10.0.0.1')).toBeUndefined();
    // A list is not what Cloudflare writes, so it is not believed.
    expect(resolve(h({ 'cf-connecting-ip': '198.51.100.1, 6.6.6.6' }), undefined)).toBeUndefined();
  });

  it('vercel reads x-real-ip, then the first x-vercel-forwarded-for entry', () => {
    const resolve = createClientIpResolver({ preset: 'vercel' });
    expect(
      resolve(h({ 'x-real-ip': '198.51.100.2', 'x-forwarded-for': '6.6.6.6' }), undefined),
    ).toBe('198.51.100.2');
    expect(resolve(h({ 'x-vercel-forwarded-for': '198.51.100.3, 10.0.0.1' }), undefined)).toBe(
      '198.51.100.3',
    );
    expect(resolve(h({ 'x-forwarded-for': '6.6.6.6' }), undefined)).toBeUndefined();
  });

  it.each(['aws-apigateway', 'aws-function-url', 'direct'] as const)(
    '%s uses the platform address and ignores headers',
    (preset) => {
      const resolve = createClientIpResolver({ preset });
      expect(resolve(h(SPOOF), '198.51.100.4')).toBe('198.51.100.4');
      expect(resolve(h(SPOOF), undefined)).toBeUndefined();
    },
  );

  it.each(['aws-alb', 'heroku'] as const)('%s takes the hop the platform appended', (preset) => {
    const resolve = createClientIpResolver({ preset });
    expect(resolve(h({ 'x-forwarded-for': '6.6.6.6, 1.1.1.1, 198.51.100.5' }), '10.1.2.3')).toBe(
      '198.51.100.5',
    );
    expect(resolve(h({ 'x-forwarded-for': '198.51.100.5' }), '10.1.2.3')).toBe('198.51.100.5');
    // No forwarding header: the request did not pass the router; the peer is the client.
    expect(resolve(h({}), '127.0.0.1')).toBe('127.0.0.1');
    expect(resolve(h({ 'x-forwarded-for': '6.6.6.6, garbage' }), '10.1.2.3')).toBeUndefined();
  });

  it('duplicate x-forwarded-for lines are read as one list, right to left', () => {
    const headers = new Headers();
    headers.append('x-forwarded-for', '6.6.6.6');
    headers.append('x-forwarded-for', '198.51.100.6');
    expect(createClientIpResolver({ preset: 'heroku' })(headers, '10.0.0.1')).toBe('198.51.100.6');
  });
});

describe('trusted proxies', () => {
  it('walks x-forwarded-for right to left past trusted proxies', () => {
    const resolve = createClientIpResolver({
      preset: 'direct',
      trustedProxies: ['10.0.0.0/8', '192.0.2.1'],
    });
    const xff = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 192.0.2.1' };
    expect(resolve(h(xff), '10.0.0.5')).toBe('198.51.100.7');
    // The peer itself is not trusted: headers are ignored.
    expect(resolve(h(xff), '198.51.100.8')).toBe('198.51.100.8');
  });

  it('heroku behind a CDN: the router hop is trusted, the CDN is configured', () => {
    const resolve = createClientIpResolver({
      preset: 'heroku',
      trustedProxies: ['203.0.113.0/24'],
    });
    expect(
      resolve(h({ 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 203.0.113.50' }), '10.0.0.1'),
    ).toBe('198.51.100.9');
  });

  it('all hops trusted: the leftmost is the client', () => {
    const resolve = createClientIpResolver({ trustedProxies: ['10.0.0.0/8'] });
    expect(resolve(h({ 'x-forwarded-for': '10.0.0.3, 10.0.0.2' }), '10.0.0.1')).toBe('10.0.0.3');
  });

  it('a trustedHeader is read as is', () => {
    const resolve = createClientIpResolver({ trustedHeader: 'True-Client-IP' });
    expect(
      resolve(h({ 'true-client-ip': '198.51.100.10', 'x-forwarded-for': '6.6.6.6' }), '10.0.0.1'),
    ).toBe('198.51.100.10');
  });

  it('refuses a bad CIDR at creation', () => {
    expect(() => createClientIpResolver({ trustedProxies: ['10.0.0.0/99'] })).toThrow(
      /10\.0\.0\.0\/99/,
    );
  });
});
