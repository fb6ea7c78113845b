/**
 * Property-based tests (fast-check) of everything that reads untrusted input: headers, URLs,
 * runtime answers, IPs and CIDRs, signatures. FUZZ_RUNS sets the runs per property
 * (default 5000; raise it for long runs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEsper } from './client.js';
import { createClientIpResolver } from './client-ip.js';
import {
  buildRequestBody,
  LIMITS,
  MAX_BODY_BYTES,
  sanitizeFields,
  serializeBody,
} from './context.js';
import { parseRuntimeAnswer } from './decision.js';
import { cidrContains, formatIp, parseCidr, parseIp } from './ip.js';
import { silentLogger } from './logger.js';
import { createSigner, verifySignature } from './signing.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const source = { sdk: 'x', version: '0', runtime: 'test' };

// Header values a Request accepts: no CR/LF/NUL, no leading/trailing whitespace issues.
const headerValue = fc
  .string({ unit: 'binary', maxLength: 3000 })
  .map((s) => s.replace(/[\r\n\0]/g, '').replace(/[^\x20-\x7e\x80-\xff\t]/g, 'x'));
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/);

describe('context builder on arbitrary input', () => {
  it('never throws, respects every limit, never leaks cookie or authorization values', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 120 }),
        fc.stringMatching(/^[A-Za-z0-9]{12,20}$/),
        fc.dictionary(
          fc.string({ maxLength: 80 }),
          fc.oneof(fc.string({ maxLength: 3000 }), fc.integer(), fc.boolean(), fc.constant(null)),
        ),
        (url, pairs, secret, fields) => {
          const headers = new Headers();
          for (const [n, v] of pairs) headers.append(n, v);
          headers.set('cookie', `sid=C${secret}; a=b`);
          headers.set('authorization', `Bearer A${secret}`);
          const request = new Request(url, { headers });
          const body = buildRequestBody({
            request,
            url: new URL(request.url),
            path: new URL(request.url).pathname,
            idempotencyKey: 'k',
            observedAt: 0,
            source,
            fields: sanitizeFields(fields, silentLogger),
          });
          const wire = serializeBody(body);
          expect(wire).not.toContain(`C${secret}`);
          expect(wire).not.toContain(`A${secret}`);
          expect(new TextEncoder().encode(wire).length).toBeLessThanOrEqual(MAX_BODY_BYTES);
          expect(Object.keys(body.request.headers).length).toBeLessThanOrEqual(LIMITS.headerCount);
          for (const [name, value] of Object.entries(body.request.headers)) {
            const limit =
              name === 'user-agent'
                ? LIMITS.userAgent
                : name === 'referer'
                  ? LIMITS.referer
                  : LIMITS.headerValue;
            expect(value.length).toBeLessThanOrEqual(limit);
          }
          expect(body.request.path.length + (body.request.query?.length ?? 0)).toBeLessThanOrEqual(
            LIMITS.pathAndQuery,
          );
          for (const [name, value] of Object.entries(body.fields ?? {})) {
            expect(name).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
            expect(value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('runtime answer parser on arbitrary bytes', () => {
  it('either returns a valid answer or throws a TypeError', () => {
    const jsonish = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.json(),
      fc
        .record({
          action: fc.oneof(fc.constantFrom('allow', 'challenge', 'block'), fc.string()),
          mode: fc.option(fc.oneof(fc.constantFrom('live', 'monitor'), fc.string())),
          ttl_seconds: fc.option(fc.oneof(fc.double(), fc.integer(), fc.string())),
          response_headers: fc.option(
            fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 3 }), {
              maxLength: 5,
            }),
          ),
          challenge: fc.option(fc.record({ url: fc.oneof(fc.webUrl(), fc.string()) })),
        })
        .map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        let answer: ReturnType<typeof parseRuntimeAnswer>;
        try {
          answer = parseRuntimeAnswer(text);
        } catch (err) {
          expect(err).toBeInstanceOf(TypeError);
          return;
        }
        expect(['allow', 'challenge', 'block']).toContain(answer.action);
        expect(['live', 'monitor']).toContain(answer.mode);
        expect(answer.ttlSeconds).toBeGreaterThanOrEqual(0);
        expect(answer.ttlSeconds).toBeLessThanOrEqual(3600);
        for (const [name, value] of [...answer.responseHeaders, ...answer.upstreamHeaders]) {
          expect(name).toMatch(/^[!#$%&'*+.^_`|~0-9a-z-]+$/);
          expect(value).not.toMatch(/[\r\n\0]/);
          // The pair must be acceptable to the platform's Headers.
          expect(() => new Headers([[name, value]])).not.toThrow();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('IP and CIDR parsing', () => {
  it('round-trips every IPv4 and IPv6 address through its canonical form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const parsed = parseIp(ip);
        expect(parsed).toBeDefined();
        const canonical = formatIp(parsed!);
        expect(formatIp(parseIp(canonical)!)).toBe(canonical);
        expect(parseIp(canonical)!.bytes).toEqual(parsed!.bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => void parseIp(s)),
      { numRuns: RUNS },
    );
  });

  it('a CIDR contains exactly the addresses that share its prefix', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (a, b, prefix) => {
        const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const expected = (toInt(a) & mask) >>> 0 === (toInt(b) & mask) >>> 0;
        expect(cidrContains(parseCidr(`${a}/${prefix}`), parseIp(b)!)).toBe(expected);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('client IP resolution under spoofing', () => {
  it('whatever the client sends, a header-free preset returns the platform address', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'x-forwarded-for',
              'x-real-ip',
              'true-client-ip',
              'cf-connecting-ip',
              'forwarded',
            ),
            headerValue,
          ),
          { maxLength: 6 },
        ),
        fc.ipV4(),
        (pairs, platform) => {
          const headers = new Headers();
          for (const [n, v] of pairs) headers.append(n, v);
          expect(createClientIpResolver({ preset: 'aws-apigateway' })(headers, platform)).toBe(
            platform,
          );
          // Heroku: the router's appended hop is last; whatever the client put before it is ignored.
          headers.append('x-forwarded-for', platform);
          expect(createClientIpResolver({ preset: 'heroku' })(headers, '10.0.0.1')).toBe(platform);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('signature verification on tampered input', () => {
  it('any change to the body, path, method, timestamp or signature is refused', async () => {
    const sign = await createSigner('key', 'secret-value');
    const now = 1_800_000_000_000;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 10 }),
        fc.constantFrom('body', 'path', 'method', 'timestamp', 'signature'),
        async (body, noise, part) => {
          const headers = await sign('POST', '/p', body, now / 1000);
          const input = {
            method: 'POST',
            path: '/p',
            body,
            headers: { ...headers } as Record<string, string>,
            secretFor: () => 'secret-value',
            now,
          };
          if (part === 'body') input.body = body + noise;
          if (part === 'path') input.path = `/p${encodeURIComponent(noise)}`;
          if (part === 'method') input.method = 'PUT';
          if (part === 'timestamp') input.headers['x-esper-timestamp'] = String(now / 1000 - 1);
          if (part === 'signature') {
            const sig = headers['x-esper-signature'];
            const i = 3 + (noise.charCodeAt(0) % 64);
            input.headers['x-esper-signature'] =
              sig.slice(0, i) + (sig[i] === '0' ? '1' : '0') + sig.slice(i + 1);
          }
          const result = await verifySignature(input);
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('protect() on arbitrary requests and runtime answers', () => {
  it('never throws and always returns a valid decision', async () => {
    const answer = fc.record({
      status: fc.oneof(fc.constant(200), fc.integer({ min: 100, max: 599 })),
      body: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc
          .record({
            action: fc.oneof(fc.constantFrom('allow', 'challenge', 'block'), fc.string()),
            ttl_seconds: fc.anything(),
            response_headers: fc.anything(),
            challenge: fc.anything(),
          })
          .map((o) => JSON.stringify(o)),
      ),
      throws: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.webUrl({ withQueryParameters: true }),
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 20 }),
        fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'DELETE'),
        answer,
        fc.option(fc.string({ maxLength: 60 })),
        async (url, pairs, method, reply, remoteAddress) => {
          const esper = createEsper({
            apiKey: 'k',
            secret: 's',
            env: {},
            apiBase: 'https://rt.example',
            cache: false,
            logger: silentLogger,
            transport: {
              async send() {
                if (reply.throws) throw new Error('boom');
                return { status: reply.status, headers: new Headers(), body: reply.body };
              },
            },
          });
          const headers = new Headers();
          for (const [n, v] of pairs) headers.append(n, v);
          const request = new Request(url, { method, headers });
          const d = await esper.protect(request, { remoteAddress: remoteAddress ?? undefined });
          expect(['allow', 'challenge', 'block']).toContain(d.action);
          expect(['remote', 'cache', 'fallback', 'skipped']).toContain(d.source);
          expect(d.enforced).toBe(d.action !== 'allow' && d.mode === 'live');
          // Only a request no router agrees on (a dot segment) is refused without the runtime.
          const refused = d.reason === 'invalid_request';
          if (d.source === 'fallback') expect(d.action).toBe(refused ? 'block' : 'allow');
          const res = await esper.respond(d, request);
          if (d.enforced) expect(refused ? [400] : [302, 403]).toContain(res!.status);
          else expect(res).toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });
});
