import { describe, expect, it, vi } from 'vitest';
import {
  buildRequestBody,
  LIMITS,
  MAX_BODY_BYTES,
  sanitizeFields,
  serializeBody,
} from './context.js';
import { silentLogger } from './logger.js';
import { EXACT_ROUTING, routePath } from './routes.js';

const source = { sdk: '@esper/core', version: '0.0.0', runtime: 'test' };
function body(request: Request, extra: Partial<Parameters<typeof buildRequestBody>[0]> = {}) {
  const url = new URL(request.url);
  return buildRequestBody({
    request,
    url,
    path: routePath(url.pathname, EXACT_ROUTING),
    idempotencyKey: 'id-1',
    observedAt: Date.UTC(2026, 2, 26, 12),
    source,
    ...extra,
  });
}

describe('buildRequestBody', () => {
  it('encodes the request per protocol v1', () => {
    const req = new Request('https://app.example.com/login?next=%2Fhome', {
      method: 'post',
      headers: { 'user-agent': 'UA/1', accept: 'text/html', referer: 'https://app.example.com/' },
    });
    expect(
      body(req, {
        clientIp: '203.0.113.10',
        fields: { email: 'a@b.c' },
        geo: { country: 'DE' },
        requestId: 'r1',
      }),
    ).toEqual({
      observed_at: '2026-03-26T12:00:00.000Z',
      idempotency_key: 'id-1',
      request_id: 'r1',
      request: {
        method: 'POST',
        scheme: 'https',
        host: 'app.example.com',
        path: '/login',
        query: 'next=%2Fhome',
        client_ip: '203.0.113.10',
        user_agent: 'UA/1',
        headers: { accept: 'text/html', referer: 'https://app.example.com/', 'user-agent': 'UA/1' },
      },
      return_url: 'https://app.example.com/login?next=%2Fhome',
      fields: { email: 'a@b.c' },
      geo: { country: 'DE' },
      source,
    });
  });

  it('sends cookie and authorization as names and lengths only', () => {
    const req = new Request('https://x.example/', {
      headers: {
        cookie: 'sid=SECRET1; _ga=SECRET2',
        authorization: 'Bearer SECRET3',
        'proxy-authorization': 'Basic SECRET4',
        'x-api-key': 'SECRET5',
        'x-esper-decision': 'allow',
      },
    });
    const b = body(req);
    const wire = JSON.stringify(b);
    for (const s of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5'])
      expect(wire).not.toContain(s);
    expect(b.request.redacted_headers).toEqual({
      cookie: { length: 24, names: ['sid', '_ga'] },
      authorization: { length: 14 },
      'proxy-authorization': { length: 13 },
    });
    expect(b.request.headers).toEqual({});
  });

  it('forwards the Esper clearance token, and only that cookie value', () => {
    const fromCookie = body(
      new Request('https://x.example/', { headers: { cookie: 'sid=S; esper_clearance=tok123' } }),
    );
    expect(fromCookie.clearance).toBe('tok123');
    expect(JSON.stringify(fromCookie)).not.toContain('sid=S');
    expect(body(new Request('https://x.example/?esper_clearance=tok456')).clearance).toBe('tok456');
    expect(
      body(new Request(`https://x.example/?esper_clearance=${'a'.repeat(LIMITS.clearance + 1)}`))
        .clearance,
    ).toBeUndefined();
  });

  it('applies the truncation limits', () => {
    const long = (n: number) => 'x'.repeat(n);
    const req = new Request(`https://x.example/${long(3000)}?q=${long(100)}`, {
      headers: {
        'user-agent': long(2000),
        referer: long(2000),
        'x-forwarded-for': `6.6.6.6, ${'1.1.1.1, '.repeat(100)}198.51.100.1`,
        'x-other': long(2000),
      },
    });
    const b = body(req);
    expect(b.request.user_agent).toHaveLength(LIMITS.userAgent);
    expect(b.request.headers['user-agent']).toHaveLength(LIMITS.userAgent);
    expect(b.request.headers.referer).toHaveLength(LIMITS.referer);
    expect(b.request.headers['x-other']).toHaveLength(LIMITS.headerValue);
    expect(b.request.headers['x-forwarded-for']).toHaveLength(LIMITS.forwardedFor);
    expect(b.request.headers['x-forwarded-for']!.endsWith('198.51.100.1')).toBe(true);
    expect(b.request.path.length + (b.request.query ?? '').length).toBeLessThanOrEqual(
      LIMITS.pathAndQuery,
    );
  });

  it('caps the number of headers and counts the rest', () => {
    const headers = new Headers();
    for (let i = 0; i < 80; i++) headers.set(`x-h${String(i).padStart(2, '0')}`, 'v');
    const b = body(new Request('https://x.example/', { headers }));
    expect(Object.keys(b.request.headers)).toHaveLength(LIMITS.headerCount);
    expect(b.request.headers_dropped).toBe(16);
  });

  it('stays under 32 KiB whatever the input', () => {
    const headers = new Headers();
    for (let i = 0; i < 200; i++) headers.set(`x-h${i}`, 'v'.repeat(4000));
    const fields = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`f${i}`, 'v'.repeat(5000)]),
    );
    const b = body(
      new Request(`https://x.example/${'p'.repeat(5000)}?${'q'.repeat(5000)}`, { headers }),
      {
        fields: sanitizeFields(fields, silentLogger),
      },
    );
    expect(JSON.stringify(b).length).toBeLessThan(32 * 1024);
  });
});

describe('sanitizeFields', () => {
  it('keeps valid fields, converts scalars, drops reserved and invalid names with one warning', () => {
    const warn = vi.fn();
    const logger = { ...silentLogger, warn };
    expect(
      sanitizeFields(
        {
          email: 'a@b.c',
          account_id: 123,
          vip: true,
          gone: null,
          nothing: undefined,
          client_ip: '1.1.1.1',
          'Bad-Name': 'x',
          request_path: '/x',
        },
        logger,
      ),
    ).toEqual({ email: 'a@b.c', account_id: '123', vip: 'true' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toEqual({ field: 'client_ip', dropped: 3 });
  });

  it('warns once however many names a callback gets wrong', () => {
    const warn = vi.fn();
    const bad = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`Bad-${i}`, 'x']));
    expect(sanitizeFields(bad, { ...silentLogger, warn })).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject({ dropped: 5000 });
  });

  it('bounds count and size', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'v']));
    expect(Object.keys(sanitizeFields(many, silentLogger)!)).toHaveLength(LIMITS.fieldCount);
    expect(sanitizeFields({ a: 'x'.repeat(5000) }, silentLogger)!.a).toHaveLength(
      LIMITS.fieldValue,
    );
    expect(sanitizeFields({}, silentLogger)).toBeUndefined();
  });
});

describe('serializeBody', () => {
  it('keeps the body under 32 KiB in bytes, whatever JSON escaping and UTF-8 make of it', () => {
    const headers = new Headers();
    // Within the character limits, but `"` doubles when escaped and é is two bytes in UTF-8.
    for (let i = 0; i < 40; i++) headers.set(`x-q${i}`, '"'.repeat(300) + 'é'.repeat(200));
    headers.set('user-agent', '"'.repeat(768));
    const request = new Request(`https://x.example/${'%22'.repeat(600)}?${'q=%22&'.repeat(200)}`, {
      headers,
    });
    const built = body(request, { fields: { email: '"'.repeat(1000), note: 'é'.repeat(1000) } });
    expect(JSON.stringify(built).length * 3).toBeGreaterThan(MAX_BODY_BYTES);
    const text = serializeBody(built);
    expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const parsed = JSON.parse(text);
    expect(parsed.request.headers_dropped).toBeGreaterThan(0);
    expect(parsed.request.method).toBe('GET');
  });

  it('leaves an ordinary body untouched', () => {
    const built = body(new Request('https://x.example/a', { headers: { accept: '*/*' } }));
    expect(serializeBody(built)).toBe(JSON.stringify(built));
  });

  it('never sends a nameless cookie, which is all value', () => {
    const built = body(
      new Request('https://x.example/', { headers: { cookie: 'NAMELESS_SECRET; sid=1' } }),
    );
    expect(JSON.stringify(built)).not.toContain('NAMELESS_SECRET');
    expect(built.request.redacted_headers?.cookie?.names).toEqual(['sid']);
  });

  it('sends the path with unreserved escapes decoded, as routers see it', () => {
    expect(body(new Request('https://x.example/%61dmin/a%2Fb')).request.path).toBe('/admin/a%2Fb');
  });
});
