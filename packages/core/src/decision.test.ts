import { describe, expect, it } from 'vitest';
import { parseRuntimeAnswer } from './decision.js';

describe('parseRuntimeAnswer', () => {
  it('reads a full answer', () => {
    const a = parseRuntimeAnswer(
      JSON.stringify({
        decision_id: 'd1',
        action: 'challenge',
        mode: 'monitor',
        policy_id: 'p',
        mitigation_id: 'm',
        reason: 'r',
        ttl_seconds: 30.7,
        challenge: { url: 'https://rt.example/c' },
        response_headers: [
          ['Set-Cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ],
        upstream_headers: [['x-risk', 'high']],
      }),
    );
    expect(a).toEqual({
      action: 'challenge',
      mode: 'monitor',
      decisionId: 'd1',
      policyId: 'p',
      mitigationId: 'm',
      message: 'r',
      ttlSeconds: 30,
      challengeUrl: 'https://rt.example/c',
      responseHeaders: [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
      upstreamHeaders: [['x-risk', 'high']],
      cacheScope: 'request',
    });
  });

  it('reads cache_scope; anything but "client" is this request only', () => {
    expect(parseRuntimeAnswer('{"action":"block","cache_scope":"client"}').cacheScope).toBe(
      'client',
    );
    expect(parseRuntimeAnswer('{"action":"block","cache_scope":"request"}').cacheScope).toBe(
      'request',
    );
    expect(parseRuntimeAnswer('{"action":"block"}').cacheScope).toBe('request');
    expect(parseRuntimeAnswer('{"action":"block","cache_scope":"CLIENT"}').cacheScope).toBe(
      'request',
    );
  });

  it('drops header values outside the RFC 9110 field-value grammar and names them', () => {
    const a = parseRuntimeAnswer(
      JSON.stringify({
        action: 'allow',
        upstream_headers: [
          ['x-esper-city', 'Łódź'],
          ['x-ok', 'Zürich'],
          ['x-lead', ' padded'],
          ['x-trail', 'padded\t'],
          ['x-ctl', 'a\u0001b'],
          ['x-del', 'a\u007fb'],
          ['x-tab', 'a\tb'],
          ['x-empty', ''],
        ],
        response_headers: [['x-nul', 'a\u0000b']],
      }),
    );
    expect(a.upstreamHeaders).toEqual([
      ['x-ok', 'Zürich'],
      ['x-tab', 'a\tb'],
      ['x-empty', ''],
    ]);
    expect(a.responseHeaders).toEqual([]);
    expect(a.droppedHeaders).toEqual([
      'x-nul',
      'x-esper-city',
      'x-lead',
      'x-trail',
      'x-ctl',
      'x-del',
    ]);
    // What is kept can always be applied: Headers throws on nothing that passed.
    expect(() => new Headers(a.upstreamHeaders)).not.toThrow();
  });

  it('defaults optional fields', () => {
    expect(parseRuntimeAnswer('{"action":"allow"}')).toMatchObject({
      action: 'allow',
      mode: 'live',
      ttlSeconds: 0,
      responseHeaders: [],
      upstreamHeaders: [],
    });
  });

  it('caps the TTL and ignores nonsense TTLs', () => {
    expect(parseRuntimeAnswer('{"action":"block","ttl_seconds":999999}').ttlSeconds).toBe(3600);
    expect(parseRuntimeAnswer('{"action":"block","ttl_seconds":-5}').ttlSeconds).toBe(0);
    expect(parseRuntimeAnswer('{"action":"block","ttl_seconds":"60"}').ttlSeconds).toBe(0);
  });

  it('drops headers that could inject or break framing', () => {
    const a = parseRuntimeAnswer(
      JSON.stringify({
        action: 'allow',
        response_headers: [
          ['set-cookie', 'a=1\r\nx-evil: 1'],
          ['content-length', '0'],
          ['bad name', 'v'],
          ['x-esper-decision', 'allow'],
          ['x-ok', 'fine'],
        ],
      }),
    );
    expect(a.responseHeaders).toEqual([['x-ok', 'fine']]);
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['an array', '[]', /object/],
    ['null', 'null', /object/],
    ['an unknown action', '{"action":"quarantine"}', /unknown action/],
    ['a missing action', '{}', /unknown action/],
    ['an unknown mode', '{"action":"allow","mode":"shadow"}', /unknown mode/],
    ['headers that are not pairs', '{"action":"allow","response_headers":{"a":"b"}}', /pairs/],
  ])('refuses %s', (_n, text, message) => {
    expect(() => parseRuntimeAnswer(text)).toThrow(message);
  });
});

describe('ids and upstream headers', () => {
  it('ids that could not travel in a header are dropped', () => {
    const a = parseRuntimeAnswer(
      JSON.stringify({
        action: 'block',
        decision_id: 'a\nb',
        policy_id: 'p 1',
        mitigation_id: 'm_1',
      }),
    );
    expect(a).toMatchObject({ decisionId: undefined, policyId: undefined, mitigationId: 'm_1' });
  });

  it('upstream headers may use x-esper-* names, except the SDK own', () => {
    const a = parseRuntimeAnswer(
      JSON.stringify({
        action: 'allow',
        upstream_headers: [
          ['x-esper-risk', 'high'],
          ['x-esper-decision', 'block'],
          ['x-risk', 'high'],
        ],
        response_headers: [['x-esper-risk', 'high']],
      }),
    );
    expect(a.upstreamHeaders).toEqual([
      ['x-esper-risk', 'high'],
      ['x-risk', 'high'],
    ]);
    expect(a.responseHeaders).toEqual([]);
  });
});
