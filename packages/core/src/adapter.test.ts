import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  adapterOptions,
  clientPerEnv,
  isEsperHeader,
  misconfiguredResponse,
  withPlatformPreset,
} from './adapter.js';

const sdk = { name: '@esper/x', version: '1.2.3' };
afterEach(() => vi.restoreAllMocks());

describe('adapterOptions', () => {
  it('keeps the platform preset unless the user names one, even as preset: undefined', () => {
    expect(adapterOptions({}, { sdk, preset: 'vercel' }).clientIp).toEqual({ preset: 'vercel' });
    expect(
      adapterOptions(
        { clientIp: { preset: undefined, trustedProxies: ['10.0.0.0/8'] } },
        {
          sdk,
          preset: 'cloudflare',
        },
      ).clientIp,
    ).toEqual({ preset: 'cloudflare', trustedProxies: ['10.0.0.0/8'] });
    expect(
      adapterOptions({ clientIp: { preset: 'direct' } }, { sdk, preset: 'vercel' }).clientIp,
    ).toEqual({ preset: 'direct' });
  });

  it('sets who the adapter is, and lets the user refine its routing defaults', () => {
    const o = adapterOptions(
      { routing: { caseSensitive: true } },
      { sdk, preset: 'direct', runtime: 'node', routing: { caseSensitive: false, strict: false } },
    );
    expect(o).toMatchObject({
      sdk,
      runtime: 'node',
      routing: { caseSensitive: true, strict: false },
    });
  });

  it('withPlatformPreset merges rather than replaces', () => {
    expect(withPlatformPreset({ trustedHeader: 'true-client-ip' }, 'heroku')).toEqual({
      trustedHeader: 'true-client-ip',
      preset: 'heroku',
    });
  });
});

describe('clientPerEnv', () => {
  const good = { apiKey: 'k', secret: 's', env: {} };
  it('makes one client per env object, and one for a missing env', () => {
    const clients = clientPerEnv((env: Record<string, unknown> | undefined) => ({
      ...good,
      env: env ?? {},
    }));
    const a = {};
    expect(clients(a)).toBe(clients(a));
    expect(clients({})).not.toBe(clients(a));
    expect(clients(undefined)).toBe(clients(undefined));
  });

  it('keeps a configuration error, logs it once, and never the secret', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const clients = clientPerEnv(() => ({
      ...good,
      secret: 'sekrit-value',
      mode: 'loud' as never,
    }));
    const env = {};
    const first = clients(env);
    expect(first).toBeInstanceOf(Error);
    expect(clients(env)).toBe(first);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]![0])).toMatch(/"mode"/);
    expect(String(error.mock.calls[0]![0])).not.toContain('sekrit-value');
  });

  it('misconfiguredResponse is a 500 that names no option and no secret', async () => {
    const res = misconfiguredResponse();
    expect(res.status).toBe(500);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toMatch(/misconfigured; see the logs/);
  });
});

describe('isEsperHeader', () => {
  it.each([
    ['x-esper-decision', true],
    ['X-Esper-Decision', true],
    ['x-esper-', true],
    ['x-esperx', false],
    ['x-esp', false],
    ['accept', false],
  ])('%s: %s', (name, expected) => {
    expect(isEsperHeader(name)).toBe(expected);
  });
});
