import { describe, expect, it } from 'vitest';
import { encodeFields, isReservedFieldName } from './fields.js';

/** The example body of docs/protocol.md. */
const body = {
  observed_at: '2026-03-26T12:00:00.000Z',
  idempotency_key: '4f1c7d0e',
  request: {
    method: 'GET',
    scheme: 'https',
    host: 'app.example.com',
    path: '/login',
    query: 'next=%2Fhome&Foo=bar&foo=second&a-b.c=1&plus=a+b',
    client_ip: '203.0.113.10',
    user_agent: 'Mozilla/5.0',
    headers: { accept: 'text/html', referer: 'https://app.example.com/', 'x-request-id': 'abc' },
    redacted_headers: {
      cookie: { length: 58, names: ['sid', '_ga'] },
      authorization: { length: 43 },
    },
  },
  return_url: 'https://app.example.com/login?next=%2Fhome',
  fields: { email: 'user@example.com', account_id: 'acct-123' },
  geo: { country: 'DE', region: 'BE', city: 'Berlin', asn: 3320 },
  source: { sdk: '@esper/core', version: '0.1.0', runtime: 'cloudflare-workers' },
};

describe('encodeFields', () => {
  it('derives every field of docs/field-model.md from the protocol example', () => {
    expect(encodeFields(body, { source_id: 'web-prod', trust_level: 'high' })).toEqual({
      request_method: 'GET',
      request_scheme: 'https',
      request_host: 'app.example.com',
      request_path: '/login',
      request_query: 'next=%2Fhome&Foo=bar&foo=second&a-b.c=1&plus=a+b',
      request_query_next: '/home',
      request_query_foo: 'bar',
      request_query_a_b_c: '1',
      request_query_plus: 'a b',
      request_header_accept: 'text/html',
      request_header_referer: 'https://app.example.com/',
      request_header_x_request_id: 'abc',
      request_header_user_agent: 'Mozilla/5.0',
      request_header_cookie_present: 'true',
      request_header_authorization_present: 'true',
      request_cookie_names: 'sid,_ga',
      client_ip: '203.0.113.10',
      ip: '203.0.113.10',
      user_agent: 'Mozilla/5.0',
      referer: 'https://app.example.com/',
      source_id: 'web-prod',
      trust_level: 'high',
      geo_country: 'DE',
      geo_region: 'BE',
      geo_city: 'Berlin',
      geo_asn: '3320',
      sdk_runtime: 'cloudflare-workers',
      email: 'user@example.com',
      account_id: 'acct-123',
    });
  });

  it('never takes model fields from tenant fields', () => {
    const spoof = {
      request: { method: 'GET', headers: {} },
      fields: {
        source_id: 'evil',
        trust_level: 'high',
        client_ip: '1.2.3.4',
        ip: '1.2.3.4',
        user_agent: 'x',
        referer: 'x',
        request_path: '/admin',
        geo_country: 'US',
        sdk_runtime: 'x',
        clearance_valid: 'true',
        Email: 'bad name',
        ok_field: 'kept',
      },
    };
    expect(encodeFields(spoof)).toEqual({ request_method: 'GET', ok_field: 'kept' });
  });

  it.each([
    ['source_id', true],
    ['request_anything', true],
    ['geo_x', true],
    ['sdk_version', true],
    ['clearance_token', true],
    ['email', false],
    ['ipaddress', false],
  ])('isReservedFieldName(%j) = %s', (name, expected) => {
    expect(isReservedFieldName(name)).toBe(expected);
  });

  it('prefers a sent user-agent header and sets clearance_valid only when verified', () => {
    const b = { request: { user_agent: 'from-body', headers: { 'User-Agent': 'from-header' } } };
    expect(encodeFields(b)).toMatchObject({
      request_header_user_agent: 'from-header',
      user_agent: 'from-header',
    });
    expect(encodeFields(b, { clearance_valid: true }).clearance_valid).toBe('true');
    expect(encodeFields(b, { clearance_valid: false }).clearance_valid).toBeUndefined();
  });

  it('converts scalar tenant values and skips null, objects and arrays', () => {
    const b = { fields: { n: 5, t: true, z: null, o: { a: 1 }, a: [1], s: '' } };
    expect(encodeFields(b)).toEqual({ n: '5', t: 'true', s: '' });
  });

  it('skips wrong-typed parts instead of throwing', () => {
    for (const junk of [
      null,
      5,
      'x',
      [],
      { request: 5 },
      { request: { headers: [1], query: 5 } },
    ]) {
      expect(() => encodeFields(junk)).not.toThrow();
    }
    expect(
      encodeFields({ request: { headers: { a: 5, b: 'ok' }, redacted_headers: { cookie: true } } }),
    ).toEqual({
      request_header_b: 'ok',
    });
  });

  it('omits request_cookie_names when the cookie has no names', () => {
    const b = { request: { redacted_headers: { cookie: { length: 3, names: [] } } } };
    expect(encodeFields(b)).toEqual({ request_header_cookie_present: 'true' });
  });
});
