import { describe, expect, it } from 'vitest';
import { detectKind, toRequest, withHeaders } from './events.js';
import {
  albEvent,
  fixture,
  OTHER_EVENTS,
  SCHEDULED_EVENT,
  sample,
} from './fixtures.test-helpers.js';

describe('detectKind', () => {
  it('tells the four shapes apart and leaves other events alone', () => {
    expect(detectKind(fixture('apigw-request'))).toBe('apigw-v1');
    expect(detectKind(fixture('apigw-v2-request-no-authorizer'))).toBe('apigw-v2');
    expect(detectKind(albEvent(false))).toBe('alb');
    expect(detectKind(albEvent(true))).toBe('alb-multi');
    expect(detectKind({ Records: [{ eventSource: 'aws:sqs' }] })).toBeUndefined();
    expect(detectKind({ source: 'serverless-plugin-warmup' })).toBeUndefined();
    expect(detectKind(null)).toBeUndefined();
    expect(detectKind('ping')).toBeUndefined();
  });

  // An authorizer must answer with a policy or `isAuthorized`; a 403 result is not one.
  it.each([...OTHER_EVENTS])('%s is not an HTTP request for the handler', (name) => {
    expect(detectKind(sample(name))).toBeUndefined();
  });

  it('a scheduled event is not one either', () => {
    expect(detectKind(SCHEDULED_EVENT)).toBeUndefined();
  });

  it('a request on a route with an authorizer is still screened', () => {
    expect(detectKind(sample('apigw-v2-request-lambda-authorizer'))).toBe('apigw-v2');
    expect(detectKind(sample('apigw-v2-request-jwt-authorizer'))).toBe('apigw-v2');
    // The REST sample carries its authorizer's output in requestContext.authorizer.
    expect(fixture('apigw-request').requestContext).toHaveProperty('authorizer');
    expect(detectKind(fixture('apigw-request'))).toBe('apigw-v1');
  });
});

describe('toRequest', () => {
  it('REST (1.0): multi-value headers, decoded query re-encoded, body, sourceIp', async () => {
    const e = fixture('apigw-request');
    e.multiValueQueryStringParameters = { name: ['me', 'a b&c'], 'x y': ['1'] };
    const { request, facts } = toRequest(e, 'apigw-v1');
    expect(request.method).toBe('POST');
    expect(request.url).toBe(
      'https://gy415nuibc.execute-api.us-east-1.amazonaws.com/hello/world?name=me&name=a%20b%26c&x%20y=1',
    );
    expect(request.headers.get('x-forwarded-for')).toBe('54.240.196.186, 54.182.214.83');
    expect(request.headers.get('cloudfront-viewer-country')).toBe('US');
    expect(await request.text()).toBe('{\r\n\t"a": 1\r\n}');
    expect(facts).toEqual({
      path: '/hello/world',
      remoteAddress: '192.168.196.186',
      requestId: 'deef4878-7910-11e6-8f14-25afc3e9ae33',
    });
  });

  it('REST: null maps (no headers, no query) and a base64 body', async () => {
    const e = fixture('apigw-request');
    Object.assign(e, {
      headers: null,
      multiValueHeaders: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      body: Buffer.from([0xff, 0x00, 0x41]).toString('base64'),
      isBase64Encoded: true,
    });
    const { request } = toRequest(e, 'apigw-v1');
    // No Host header: the request context's domain name.
    expect(request.url).toBe('https://gy415nuibc.execute-api.us-east-2.amazonaws.com/hello/world');
    expect([...new Uint8Array(await request.arrayBuffer())]).toEqual([0xff, 0x00, 0x41]);
  });

  it('HTTP API (2.0): rawPath, rawQueryString, cookies array, http.sourceIp', () => {
    const e = fixture('apigw-v2-request-no-authorizer');
    Object.assign(e, {
      rawPath: '/a b/c',
      rawQueryString: 'q=%2Fx&q=2',
      cookies: ['sid=1', 'b=2'],
    });
    const { request, facts } = toRequest(e, 'apigw-v2', 'aws-req');
    expect(request.method).toBe('GET');
    expect(request.url).toBe(
      'https://aaaaaaaaaa.execute-api.us-west-2.amazonaws.com/a%20b/c?q=%2Fx&q=2',
    );
    expect(request.headers.get('cookie')).toBe('sid=1; b=2');
    expect(facts).toEqual({
      path: '/a b/c',
      remoteAddress: '1.2.3.4',
      requestId: 'LV7fzho-PHcEJPw=',
    });
  });

  it('ALB single-value: query passed as sent, the last x-forwarded-for hop, awsRequestId', () => {
    const e = albEvent(false);
    e.queryStringParameters = { q: 'a%20b', testparam: 'true' };
    e.headers = { ...e.headers, 'x-forwarded-for': '6.6.6.6, 10.0.0.1, 72.21.198.66' };
    const { request, facts } = toRequest(e, 'alb', 'aws-req-1');
    expect(request.url).toBe(
      'https://lambda-999999999-us-east-2.elb.amazonaws.com/?q=a%20b&testparam=true',
    );
    expect(request.method).toBe('GET');
    expect(facts).toEqual({ path: '/', remoteAddress: '72.21.198.66', requestId: 'aws-req-1' });
  });

  it('ALB multi-value: every value of every header and parameter', () => {
    const { request, facts } = toRequest(albEvent(true), 'alb-multi');
    expect(request.url).toBe('https://lambda-999999999-us-east-2.elb.amazonaws.com/?name=me');
    expect(request.headers.get('user-agent')).toBe('PostmanRuntime/2.4.5');
    expect(facts.remoteAddress).toBe('72.21.198.66');
  });

  it('ALB multi-value with several x-forwarded-for lines: no client IP, never a guess', () => {
    const e = albEvent(true);
    // Names in any case count as the same header: two map entries make two lines.
    e.multiValueHeaders = { ...e.multiValueHeaders, 'X-Forwarded-For': ['7.7.7.7'] };
    expect(toRequest(e, 'alb-multi').facts.remoteAddress).toBeUndefined();
    e.multiValueHeaders = { 'x-forwarded-for': ['6.6.6.6, 72.21.198.66', '7.7.7.7'] };
    expect(toRequest(e, 'alb-multi').facts.remoteAddress).toBeUndefined();
    e.multiValueHeaders = { 'x-forwarded-for': ['6.6.6.6, 72.21.198.66'] };
    expect(toRequest(e, 'alb-multi').facts.remoteAddress).toBe('72.21.198.66');
  });

  it('ALB on an HTTP listener keeps http; a Host that is not a host name is not used', () => {
    const e = albEvent(false);
    e.headers = { ...e.headers, 'x-forwarded-proto': 'http', host: 'evil.example/@x' };
    expect(toRequest(e, 'alb').request.url).toBe('http://localhost/?testparam=true');
  });

  it('a Host the URL parser refuses: the request context’s domain name, else localhost', () => {
    for (const host of ['a.example:99999', '1.2.3.999', '[0:0:0:0:0:0:0:0:0]']) {
      const v2 = fixture('apigw-v2-request-no-authorizer');
      v2.headers = { ...v2.headers, host };
      expect(toRequest(v2, 'apigw-v2').request.url).toBe(
        'https://aaaaaaaaaa.execute-api.us-west-2.amazonaws.com/',
      );
      const alb = albEvent(false);
      alb.headers = { ...alb.headers, host };
      expect(toRequest(alb, 'alb').request.url).toBe('https://localhost/?testparam=true');
    }
  });

  it('ALB: a scheme of https, or http when X-Forwarded-Proto says exactly that', () => {
    for (const [proto, scheme] of [
      ['http', 'http'],
      ['https', 'https'],
      ['http, https', 'https'],
      ['javascript', 'https'],
      ['', 'https'],
    ]) {
      const e = albEvent(false);
      e.headers = { ...e.headers, 'x-forwarded-proto': proto! };
      expect(new URL(toRequest(e, 'alb').request.url).protocol).toBe(`${scheme}:`);
    }
  });

  it('facts.path: the path the handler reads, raw, for every kind', () => {
    const raw = '/admin/%2e%2e/a b/..';
    const v2 = Object.assign(fixture('apigw-v2-request-no-authorizer'), { rawPath: raw });
    const rest = Object.assign(fixture('apigw-request'), { path: raw });
    const alb = Object.assign(albEvent(true), { path: raw });
    expect(toRequest(v2, 'apigw-v2').facts.path).toBe(raw);
    expect(toRequest(rest, 'apigw-v1').facts.path).toBe(raw);
    expect(toRequest(alb, 'alb-multi').facts.path).toBe(raw);
    expect(toRequest(Object.assign(alb, { path: '' }), 'alb-multi').facts.path).toBe('/');
  });

  it('a header value the Fetch API refuses is dropped, not fatal', () => {
    const e = fixture('apigw-v2-request-no-authorizer');
    e.headers = { ...e.headers, 'x-bad': 'a\u0000b', 'x-good': 'ok' };
    const { request } = toRequest(e, 'apigw-v2');
    expect(request.headers.get('x-good')).toBe('ok');
    expect(request.headers.has('x-bad')).toBe(false);
  });
});

describe('withHeaders', () => {
  const upstreamOf = (before: Headers) => {
    const up = new Headers(before);
    for (const k of [...up.keys()]) if (k.startsWith('x-esper-')) up.delete(k);
    up.set('x-esper-decision', 'allow');
    up.append('x-upstream-test', 'from-runtime');
    return up;
  };

  it('REST: rewrites both maps, whatever the case of the client-sent names, without mutating', () => {
    const e = fixture('apigw-request');
    e.headers = { ...e.headers, 'X-Esper-Decision': 'allow-me' };
    e.multiValueHeaders = { ...e.multiValueHeaders, 'X-Esper-Decision': ['allow-me'] };
    const { request } = toRequest(e, 'apigw-v1');
    const next = withHeaders(e, request.headers, upstreamOf(request.headers));
    for (const map of [next.headers, next.multiValueHeaders] as Array<Record<string, unknown>>) {
      expect(Object.keys(map).filter((k) => /^x-esper-/i.test(k))).toEqual(['x-esper-decision']);
    }
    expect(next.headers?.['x-esper-decision']).toBe('allow');
    expect(next.multiValueHeaders?.['x-upstream-test']).toEqual(['from-runtime']);
    expect(next.headers?.Host).toBe(e.headers.Host);
    expect(e.headers['X-Esper-Decision']).toBe('allow-me');
  });

  it('ALB multi-value gets no `headers` map; HTTP API keeps its cookies array', () => {
    const alb = albEvent(true);
    const a = toRequest(alb, 'alb-multi').request.headers;
    const nextAlb = withHeaders(alb, a, upstreamOf(a));
    expect(nextAlb.headers).toBeUndefined();
    expect(nextAlb.multiValueHeaders?.['x-esper-decision']).toEqual(['allow']);

    const v2 = { ...fixture('apigw-v2-request-no-authorizer'), cookies: ['a=1'] };
    const h = toRequest(v2, 'apigw-v2').request.headers;
    const nextV2 = withHeaders(v2, h, upstreamOf(h));
    expect(nextV2.cookies).toEqual(['a=1']);
    expect(nextV2.headers?.cookie).toBeUndefined();
    expect(nextV2.headers?.['x-esper-decision']).toBe('allow');
  });
});
