import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { EsperConfigError } from './errors.js';

const base = { apiKey: 'k', secret: 's', env: {} };

describe('resolveConfig', () => {
  it('applies defaults', () => {
    const c = resolveConfig(base);
    expect(c.endpoint.href).toBe('https://api.esperr.com/api/v1/runtime/mitigation');
    expect(c).toMatchObject({
      mode: 'live',
      timeoutMs: 300,
      failMode: 'open',
      excludeStaticAssets: true,
    });
    expect(c.cache).toEqual({ maxEntries: 10_000, cacheAllow: false });
  });

  it('reads ESPER_* from env, options win', () => {
    const env = {
      ESPER_API_KEY: 'ek',
      ESPER_API_SECRET: 'es',
      ESPER_API_BASE: 'https://rt.example.com/base/',
      ESPER_MODE: 'monitor',
      ESPER_TIMEOUT_MS: '150',
      ESPER_FAIL_MODE: 'closed',
      ESPER_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.1',
    };
    const c = resolveConfig({ env });
    expect(c).toMatchObject({
      apiKey: 'ek',
      secret: 'es',
      mode: 'monitor',
      timeoutMs: 150,
      failMode: 'closed',
    });
    expect(c.endpoint.href).toBe('https://rt.example.com/base/api/v1/runtime/mitigation');
    expect(c.resolveClientIp(new Headers({ 'x-forwarded-for': '198.51.100.1' }), '10.1.1.1')).toBe(
      '198.51.100.1',
    );
    expect(resolveConfig({ env, apiKey: 'ok', timeoutMs: 42 })).toMatchObject({
      apiKey: 'ok',
      timeoutMs: 42,
    });
  });

  it('challenge origins from ESPER_CHALLENGE_ORIGINS, unless the option is given', () => {
    const env = { ESPER_CHALLENGE_ORIGINS: 'https://esper.example.com, https://b.example.com/x' };
    const origins = (options: object) => [
      ...resolveConfig({ ...base, ...options }).allowedRedirectOrigins,
    ];
    expect(origins({ env })).toEqual([
      'https://api.esperr.com',
      'https://esper.example.com',
      'https://b.example.com',
    ]);
    expect(origins({ env, challengeOrigins: ['https://c.example.com'] })).toEqual([
      'https://api.esperr.com',
      'https://c.example.com',
    ]);
    expect(origins({ env: { ESPER_CHALLENGE_ORIGINS: '' } })).toEqual(['https://api.esperr.com']);
    expect(() => resolveConfig({ ...base, env: { ESPER_CHALLENGE_ORIGINS: 'nope' } })).toThrow(
      /"ESPER_CHALLENGE_ORIGINS"/,
    );
  });

  it('allows http only for loopback unless told', () => {
    expect(resolveConfig({ ...base, apiBase: 'http://127.0.0.1:8787' }).endpoint.origin).toBe(
      'http://127.0.0.1:8787',
    );
    expect(resolveConfig({ ...base, apiBase: 'http://localhost:1' }).endpoint.host).toBe(
      'localhost:1',
    );
    expect(
      resolveConfig({ ...base, apiBase: 'http://rt.internal', allowInsecureApiBase: true }).endpoint
        .protocol,
    ).toBe('http:');
  });

  // Each row: options that cannot work, and the option the error must name.
  it.each([
    [{ env: {} }, 'apiKey', /ESPER_API_KEY/],
    [{ apiKey: 'k', env: {} }, 'secret', /ESPER_API_SECRET/],
    [{ ...base, apiBase: 'not a url' }, 'apiBase', /absolute URL/],
    [{ ...base, apiBase: 'ftp://x.example' }, 'apiBase', /http\(s\)/],
    [{ ...base, apiBase: 'http://rt.example.com' }, 'apiBase', /not https/],
    [{ ...base, apiBase: 'https://u:p@rt.example.com' }, 'apiBase', /credentials/],
    [
      { apiKey: 'k', secret: 's', env: { ESPER_API_BASE: 'nope' } },
      'ESPER_API_BASE',
      /absolute URL/,
    ],
    [{ ...base, timeoutMs: 0 }, 'timeoutMs', /1 to 60000/],
    [{ ...base, timeoutMs: 60_001 }, 'timeoutMs', /1 to 60000/],
    [{ ...base, timeoutMs: 1.5 }, 'timeoutMs', /whole number/],
    [{ ...base, maxInFlight: 0 }, 'maxInFlight', /1 to 10000, got 0/],
    [{ ...base, maxInFlight: 2.5 }, 'maxInFlight', /whole number/],
    [{ apiKey: 'k', secret: 's', env: { ESPER_TIMEOUT_MS: 'fast' } }, 'timeoutMs', /fast/],
    [{ ...base, mode: 'dry-run' }, 'mode', /"live", "monitor"/],
    [{ apiKey: 'k', secret: 's', env: { ESPER_MODE: 'block' } }, 'mode', /block/],
    [{ ...base, failMode: 'maybe' }, 'failMode', /"open", "closed"/],
    [{ ...base, clientIp: { preset: 'azure' } }, 'clientIp.preset', /cloudflare/],
    [
      { ...base, clientIp: { trustedProxies: ['10.0.0.0/40'] } },
      'clientIp.trustedProxies',
      /10\.0\.0\.0\/40/,
    ],
    [
      { apiKey: 'k', secret: 's', env: { ESPER_TRUSTED_PROXIES: 'x' } },
      'clientIp.trustedProxies',
      /"x"/,
    ],
    [{ ...base, cache: { maxEntries: 0 } }, 'cache.maxEntries', /1 to 1000000/],
    [{ ...base, challengeOrigins: ['nope'] }, 'challengeOrigins', /absolute URL/],
    [{ ...base, include: ['login'] }, 'include', /include\[0\]/],
    [{ ...base, failClosedRoutes: [42] }, 'failClosedRoutes', /failClosedRoutes\[0\]/],
    [{ ...base, fields: 'email' }, 'fields', /function/],
    [{ ...base, timeout: 300 }, 'timeout', /unknown option/],
  ] as const)('rejects %j naming %s', (options, option, detail) => {
    let error: unknown;
    try {
      resolveConfig(options as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EsperConfigError);
    expect((error as EsperConfigError).option).toBe(option);
    expect((error as Error).message).toContain(`"${option}"`);
    expect((error as Error).message).toMatch(detail);
  });

  it('never puts the secret in an error message', () => {
    expect(() =>
      resolveConfig({ apiKey: 'k', secret: 'TOPSECRET', env: {}, timeoutMs: -1 }),
    ).toThrow(/^(?!.*TOPSECRET)/s);
  });
});

describe('env from platform bindings', () => {
  it('reads plain values and ignores objects', () => {
    const env = {
      ESPER_API_KEY: 'k',
      ESPER_API_SECRET: 's',
      ESPER_TIMEOUT_MS: 120,
      ESPER_MODE: { not: 'a string' },
      KV: {},
    };
    expect(resolveConfig({ env })).toMatchObject({ apiKey: 'k', timeoutMs: 120, mode: 'live' });
  });
});

describe('endpoint', () => {
  it('a base path of slashes never becomes a protocol-relative URL', () => {
    expect(resolveConfig({ ...base, apiBase: 'https://rt.example//' }).endpoint.href).toBe(
      'https://rt.example/api/v1/runtime/mitigation',
    );
    expect(resolveConfig({ ...base, apiBase: 'https://rt.example/base//' }).endpoint.href).toBe(
      'https://rt.example/base/api/v1/runtime/mitigation',
    );
  });
});
