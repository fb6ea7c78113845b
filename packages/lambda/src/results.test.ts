import type { HeaderPair } from '@esper/core';
import { describe, expect, it, vi } from 'vitest';
import { addHeaders, toResult } from './results.js';

const RUNTIME: HeaderPair[] = [
  ['set-cookie', 'rt_a=1; Path=/'],
  ['set-cookie', 'rt_b=2; Path=/'],
  ['x-trace', 'r'],
];

describe('addHeaders (allowed requests: the application result plus runtime headers)', () => {
  it('REST: names in `headers` move to `multiValueHeaders`, so API Gateway cannot drop them', () => {
    const app = {
      statusCode: 200,
      headers: { 'Content-Type': 'text/plain', 'Set-Cookie': 'app=1' },
      multiValueHeaders: { 'X-Trace': ['app'] },
      body: 'hi',
    };
    expect(addHeaders(app, RUNTIME, 'apigw-v1')).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'text/plain' },
      multiValueHeaders: {
        'Set-Cookie': ['app=1', 'rt_a=1; Path=/', 'rt_b=2; Path=/'],
        'X-Trace': ['app', 'r'],
      },
      body: 'hi',
    });
    expect(app.headers['Set-Cookie']).toBe('app=1');
  });

  it('HTTP API: Set-Cookie goes to `cookies`, other headers are joined', () => {
    const app = { statusCode: 201, headers: { 'x-trace': 'app' }, cookies: ['app=1'], body: '' };
    expect(addHeaders(app, RUNTIME, 'apigw-v2')).toEqual({
      statusCode: 201,
      headers: { 'x-trace': 'app, r' },
      cookies: ['app=1', 'rt_a=1; Path=/', 'rt_b=2; Path=/'],
      body: '',
    });
  });

  it('HTTP API: a bare object or string result becomes the 200 JSON result API Gateway would make', () => {
    const pairs: HeaderPair[] = [['set-cookie', 'rt=1']];
    expect(addHeaders({ ok: true }, pairs, 'apigw-v2')).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
      cookies: ['rt=1'],
    });
    expect(addHeaders('hello', pairs, 'apigw-v2')).toMatchObject({
      statusCode: 200,
      body: 'hello',
    });
    expect(addHeaders('hello', [], 'apigw-v2')).toBe('hello');
  });

  it('ALB multi-value: every cookie kept in `multiValueHeaders`', () => {
    const app = { statusCode: 200, multiValueHeaders: { 'set-cookie': ['app=1'] }, body: '' };
    expect(addHeaders(app, RUNTIME, 'alb-multi')).toMatchObject({
      multiValueHeaders: {
        'set-cookie': ['app=1', 'rt_a=1; Path=/', 'rt_b=2; Path=/'],
        'x-trace': ['r'],
      },
    });
  });

  it('ALB single-value: one Set-Cookie fits; the app keeps its own and the drop is logged', () => {
    const warn = vi.fn();
    const logger = { debug() {}, info() {}, warn, error() {} };
    const app = { statusCode: 200, headers: { 'Set-Cookie': 'app=1' }, body: '' };
    expect(addHeaders(app, RUNTIME, 'alb', logger)).toEqual({
      statusCode: 200,
      headers: { 'Set-Cookie': 'app=1', 'x-trace': 'r' },
      body: '',
    });
    expect(warn).toHaveBeenCalledWith(
      { dropped: ['rt_a', 'rt_b'] },
      expect.stringMatching(/multi-value/),
    );
    const none = addHeaders({ statusCode: 200, body: '' }, RUNTIME, 'alb', logger) as {
      headers: object;
    };
    expect(none.headers).toEqual({ 'set-cookie': 'rt_a=1; Path=/', 'x-trace': 'r' });
  });
});

describe('toResult (enforced decisions: the Response in the event kind’s shape)', () => {
  const block = () =>
    new Response('{"error":"blocked"}', {
      status: 403,
      headers: [
        ['content-type', 'application/json'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    });

  it('REST', async () => {
    expect(await toResult(block(), 'apigw-v1')).toEqual({
      statusCode: 403,
      body: '{"error":"blocked"}',
      isBase64Encoded: false,
      multiValueHeaders: { 'content-type': ['application/json'], 'set-cookie': ['a=1', 'b=2'] },
    });
  });

  it('HTTP API and Function URLs', async () => {
    expect(await toResult(block(), 'apigw-v2')).toEqual({
      statusCode: 403,
      body: '{"error":"blocked"}',
      isBase64Encoded: false,
      headers: { 'content-type': 'application/json' },
      cookies: ['a=1', 'b=2'],
    });
  });

  it('ALB, both modes, with the status description ALB wants', async () => {
    expect(await toResult(block(), 'alb-multi')).toMatchObject({
      statusCode: 403,
      statusDescription: '403 Forbidden',
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
    });
    expect(await toResult(block(), 'alb')).toMatchObject({
      statusDescription: '403 Forbidden',
      headers: { 'content-type': 'application/json', 'set-cookie': 'a=1' },
    });
  });

  it("ALB's status description: the response's own phrase, the usual one, or the code alone", async () => {
    const alb = async (init: ResponseInit) =>
      ((await toResult(new Response(null, init), 'alb')) as { statusDescription: string })
        .statusDescription;
    expect(await alb({ status: 418, statusText: 'Go Away' })).toBe('418 Go Away');
    expect(await alb({ status: 429 })).toBe('429 Too Many Requests');
    expect(await alb({ status: 302 })).toBe('302 Found');
    expect(await alb({ status: 451 })).toBe('451');
  });

  it('a challenge redirect keeps its Location and empty body', async () => {
    const res = new Response(null, {
      status: 302,
      headers: { location: 'https://c.example/?d=1' },
    });
    expect(await toResult(res, 'apigw-v2')).toEqual({
      statusCode: 302,
      body: '',
      isBase64Encoded: false,
      headers: { location: 'https://c.example/?d=1' },
    });
  });

  it('a binary custom response is base64-encoded', async () => {
    const res = new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), {
      status: 403,
      headers: { 'content-type': 'image/png' },
    });
    expect(await toResult(res, 'apigw-v2')).toMatchObject({
      body: 'iVBORw==',
      isBase64Encoded: true,
    });
  });
});
