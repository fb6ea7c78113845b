import { describe, expect, it } from 'vitest';
import { sampleBody } from '../test-support/signed-call.js';
import { validateMitigationBody } from './validate.js';

// biome-ignore lint/suspicious/noExplicitAny: the cases reach into bodies freely to break them
type Loose = Record<string, any>;
type Mutate = (body: Loose) => void;

function invalid(mutate: Mutate) {
  const body = structuredClone(sampleBody()) as Loose;
  mutate(body);
  return validateMitigationBody(body);
}

describe('validateMitigationBody', () => {
  it('accepts the example body, unknown fields and the optional parts left out', () => {
    expect(validateMitigationBody(sampleBody())).toEqual({ ok: true });
    expect(
      invalid((b) => {
        b.future_field = { anything: true };
        b.request.future = 1;
        delete b.request.query;
        delete b.request.client_ip;
        delete b.request.user_agent;
        delete b.request.redacted_headers;
        delete b.fields;
        b.geo = { country: 'DE', asn: 3320 };
        b.clearance = 'tok';
        b.request.headers_dropped = 3;
      }),
    ).toEqual({ ok: true });
  });

  it('rejects a body that is not an object', () => {
    for (const value of [null, [], 'x', 1]) {
      expect(validateMitigationBody(value)).toEqual({
        ok: false,
        path: '$',
        message: 'expected an object',
      });
    }
  });

  const cases: Array<[string, Mutate, string, RegExp]> = [
    ['observed_at missing', (b) => delete b.observed_at, '$.observed_at', /required/],
    ['observed_at not RFC 3339', (b) => (b.observed_at = 'yesterday'), '$.observed_at', /RFC 3339/],
    ['idempotency_key empty', (b) => (b.idempotency_key = ''), '$.idempotency_key', /non-empty/],
    ['request missing', (b) => delete b.request, '$.request', /required/],
    ['method lower case', (b) => (b.request.method = 'get'), '$.request.method', /upper-case/],
    ['method not a string', (b) => (b.request.method = 1), '$.request.method', /expected a string/],
    ['scheme', (b) => (b.request.scheme = 'HTTPS://'), '$.request.scheme', /scheme/],
    ['host empty', (b) => (b.request.host = ''), '$.request.host', /non-empty/],
    ['path relative', (b) => (b.request.path = 'login'), '$.request.path', /'\/'/],
    ['query with ?', (b) => (b.request.query = '?a=1'), '$.request.query', /leading/],
    [
      'client_ip not an IP',
      (b) => (b.request.client_ip = 'localhost'),
      '$.request.client_ip',
      /IPv4 or IPv6/,
    ],
    ['headers missing', (b) => delete b.request.headers, '$.request.headers', /required/],
    [
      'header name upper case',
      (b) => (b.request.headers.Accept = 'x'),
      '$.request.headers.Accept',
      /lower-case/,
    ],
    [
      'cookie header sent',
      (b) => (b.request.headers.cookie = 'sid=1'),
      '$.request.headers.cookie',
      /never/,
    ],
    [
      'own header sent',
      (b) => (b.request.headers['x-esper-signature'] = 'v1='),
      '$.request.headers["x-esper-signature"]',
      /never/,
    ],
    [
      'header value too long',
      (b) => (b.request.headers.accept = 'a'.repeat(513)),
      '$.request.headers.accept',
      /at most 512/,
    ],
    [
      'too many headers',
      (b) => {
        for (let i = 0; i < 65; i++) b.request.headers[`x-h${i}`] = '1';
      },
      '$.request.headers',
      /at most 64/,
    ],
    [
      'redacted value leaked',
      (b) => (b.request.redacted_headers.cookie.value = 'sid=1'),
      '$.request.redacted_headers.cookie.value',
      /only length/,
    ],
    [
      'redacted length',
      (b) => (b.request.redacted_headers.cookie.length = -1),
      '$.request.redacted_headers.cookie.length',
      /non-negative/,
    ],
    [
      'path+query too long',
      (b) => (b.request.query = 'q='.padEnd(2100, 'x')),
      '$.request.query',
      /2048/,
    ],
    ['return_url relative', (b) => (b.return_url = '/login'), '$.return_url', /absolute URL/],
    [
      'field not a string',
      (b) => (b.fields.account = 123),
      '$.fields.account',
      /expected a string/,
    ],
    ['field name invalid', (b) => (b.fields.Email = 'x'), '$.fields.Email', /field name/],
    [
      'field name reserved',
      (b) => (b.fields.client_ip = '1.2.3.4'),
      '$.fields.client_ip',
      /reserved/,
    ],
    [
      'field value too long',
      (b) => (b.fields.email = 'x'.repeat(1025)),
      '$.fields.email',
      /at most 1024/,
    ],
    ['clearance too long', (b) => (b.clearance = 'x'.repeat(1025)), '$.clearance', /at most 1024/],
    ['geo asn', (b) => (b.geo = { asn: 'AS3320' }), '$.geo.asn', /integer/],
    ['source missing', (b) => delete b.source, '$.source', /required/],
    ['source.runtime missing', (b) => delete b.source.runtime, '$.source.runtime', /required/],
  ];

  it.each(cases)('%s', (_name, mutate, path, message) => {
    const result = invalid(mutate);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.path).toBe(path);
    expect(result.message).toMatch(message);
  });
});
