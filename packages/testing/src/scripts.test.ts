import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from './config.js';
import { type MockRuntime, startMockRuntime } from './server.js';
import { sampleBody, signedPost } from './test-helpers.js';
import type { MitigationBody } from './types.js';

type Decision = Record<string, unknown> & { action: string; decision_id: string };

let mock: MockRuntime;
beforeAll(async () => {
  mock = await startMockRuntime({
    answers: [{ match: { path: '/admin/*' }, answer: { action: 'block', reason: 'from options' } }],
  });
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

function withRequest(
  request: Partial<MitigationBody['request']>,
  extra: Partial<MitigationBody> = {},
) {
  const base = sampleBody(extra);
  return { ...base, request: { ...base.request, ...request } };
}

async function decide(body: unknown, opts?: Parameters<typeof signedPost>[2]): Promise<Decision> {
  const res = await signedPost(mock.url, body, opts);
  expect(res.status).toBe(200);
  return (await res.json()) as Decision;
}

describe('answers', () => {
  it('fills protocol defaults and keeps given fields', async () => {
    mock.script({
      action: 'block',
      mode: 'monitor',
      ttl_seconds: 60,
      policy_id: 'pol_login_burst',
      mitigation_id: 'mit_block',
      reason: 'policy pol_login_burst matched',
      response_headers: [
        ['set-cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2; Path=/'],
      ],
      upstream_headers: [['x-esper-risk', 'high']],
      extra: { future_field: { x: 1 } },
    });
    const d = await decide(sampleBody());
    expect(d).toMatchObject({
      action: 'block',
      mode: 'monitor',
      ttl_seconds: 60,
      policy_id: 'pol_login_burst',
      mitigation_id: 'mit_block',
      challenge: null,
      response_headers: [
        ['set-cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2; Path=/'],
      ],
      upstream_headers: [['x-esper-risk', 'high']],
      future_field: { x: 1 },
    });
  });

  it('gives every decision a unique id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await decide(sampleBody())).decision_id);
    expect(ids.size).toBe(5);
  });

  it('points a challenge at the mock origin unless a URL is given', async () => {
    mock.script({ answer: { action: 'challenge' }, times: 1 });
    const d = await decide(sampleBody());
    expect(d.challenge).toEqual({ url: `${mock.url}/challenge?d=${d.decision_id}` });
    const page = await fetch((d.challenge as { url: string }).url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);

    mock.script({ action: 'challenge', challenge: { url: 'https://elsewhere.example/c' } });
    expect((await decide(sampleBody())).challenge).toEqual({ url: 'https://elsewhere.example/c' });
  });

  it('tries scripts in order, then decide, then the default answer', async () => {
    const decideFn = vi.fn((body: MitigationBody) =>
      body.request.path === '/decided' ? ({ action: 'challenge' } as const) : undefined,
    );
    const local = await startMockRuntime({
      decide: decideFn,
      defaultAnswer: { action: 'block', reason: 'default' },
    });
    try {
      local.script({ match: { path: '/scripted' }, answer: { action: 'allow', reason: 'first' } });
      local.script({ match: { path: '/scripted' }, answer: { action: 'block', reason: 'second' } });
      const post = async (path: string) =>
        (await (await signedPost(local.url, withRequest({ path }))).json()) as Decision;
      expect((await post('/scripted')).reason).toBe('first');
      expect((await post('/decided')).action).toBe('challenge');
      expect(await post('/other')).toMatchObject({ action: 'block', reason: 'default' });
      expect(decideFn).toHaveBeenCalledTimes(2);
      const [, ctx] = decideFn.mock.calls[0] as unknown as [
        MitigationBody,
        { key: { sourceId: string }; origin: string },
      ];
      expect(ctx.key.sourceId).toBe('test');
      expect(ctx.origin).toBe(local.url);
    } finally {
      await local.close();
    }
  });

  it('answers a limited number of times', async () => {
    const handle = mock.script({ answer: { action: 'block' }, times: 2 });
    expect(handle.remaining).toBe(2);
    const actions = [];
    for (let i = 0; i < 3; i++) actions.push((await decide(sampleBody())).action);
    expect(actions).toEqual(['block', 'block', 'allow']);
    expect(handle.hits).toBe(2);
    expect(handle.remaining).toBe(0);
  });

  it('can remove a script', async () => {
    const handle = mock.script({ action: 'block' });
    expect((await decide(sampleBody())).action).toBe('block');
    handle.remove();
    expect((await decide(sampleBody())).action).toBe('allow');
  });

  it('reset() drops run-time scripts and restarts the scripts from options', async () => {
    mock.script({ action: 'block' });
    mock.reset();
    expect((await decide(sampleBody())).action).toBe('allow');
    expect((await decide(withRequest({ path: '/admin/users' }))).reason).toBe('from options');
    expect(mock.requests).toHaveLength(2);
    expect(mock.requests[0]!.id).toBe(1);
  });

  it('answers 500 mock_error when decide throws', async () => {
    const local = await startMockRuntime({
      decide: () => {
        throw new Error('boom');
      },
    });
    try {
      const res = await signedPost(local.url, sampleBody());
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: { code: 'mock_error', message: 'boom' } });
    } finally {
      await local.close();
    }
  });
});

describe('matchers', () => {
  const block = { action: 'block' } as const;

  it.each([
    [
      'path exact',
      { path: '/login' },
      withRequest({ path: '/login' }),
      withRequest({ path: '/login2' }),
    ],
    [
      'path RegExp',
      { path: /^\/api\/v\d+\// },
      withRequest({ path: '/api/v2/x' }),
      withRequest({ path: '/api/x' }),
    ],
    [
      'path glob',
      { path: '/api/*' },
      withRequest({ path: '/api/a/b' }),
      withRequest({ path: '/apix' }),
    ],
    ['method', { method: 'POST' }, withRequest({ method: 'POST' }), withRequest({ method: 'GET' })],
    [
      'host',
      { host: /\.example\.com$/ },
      withRequest({ host: 'a.example.com' }),
      withRequest({ host: 'example.org' }),
    ],
    [
      'clientIp',
      { clientIp: '198.51.100.7' },
      withRequest({ client_ip: '198.51.100.7' }),
      withRequest({ client_ip: undefined }),
    ],
    [
      'query string',
      { query: /debug=1/ },
      withRequest({ query: 'a=2&debug=1' }),
      withRequest({ query: 'a=2' }),
    ],
    [
      'query params',
      { query: { next: '/home' } },
      withRequest({ query: 'next=%2Fhome' }),
      withRequest({ query: 'next=%2F' }),
    ],
    [
      'header (case-insensitive name)',
      { header: { 'Accept-Language': /^de/ } },
      withRequest({ headers: { 'accept-language': 'de-DE' } }),
      withRequest({ headers: { 'accept-language': 'en' } }),
    ],
    [
      'header user-agent falls back to request.user_agent',
      { header: { 'user-agent': /curl/ } },
      withRequest({ headers: {}, user_agent: 'curl/8' }),
      withRequest({ headers: {}, user_agent: 'Mozilla' }),
    ],
    [
      'fields',
      { fields: { email: /@evil\.test$/ } },
      sampleBody({ fields: { email: 'a@evil.test' } }),
      sampleBody({ fields: {} }),
    ],
    [
      'several criteria (all must hold)',
      { path: '/login', method: 'POST' },
      withRequest({ path: '/login', method: 'POST' }),
      withRequest({ path: '/login', method: 'GET' }),
    ],
  ] as const)('%s', async (_name, match, hit, miss) => {
    mock.script({ match, answer: block });
    expect((await decide(hit)).action).toBe('block');
    expect((await decide(miss)).action).toBe('allow');
  });

  it('a function', async () => {
    mock.script({ match: (body) => body.request.path.endsWith('.php'), answer: block });
    expect((await decide(withRequest({ path: '/x.php' }))).action).toBe('block');
    expect((await decide(withRequest({ path: '/x' }))).action).toBe('allow');
  });

  it('apiKey', async () => {
    const local = await startMockRuntime({
      keys: [
        { apiKey: 'a', secret: 'sa' },
        { apiKey: 'b', secret: 'sb' },
      ],
      answers: [{ match: { apiKey: 'b' }, answer: block }],
    });
    try {
      const post = async (apiKey: string, secret: string) =>
        ((await (await signedPost(local.url, sampleBody(), { apiKey, secret })).json()) as Decision)
          .action;
      expect(await post('a', 'sa')).toBe('allow');
      expect(await post('b', 'sb')).toBe('block');
    } finally {
      await local.close();
    }
  });

  it('a global RegExp matches every time', async () => {
    mock.script({ match: { path: /login/g }, answer: block });
    expect((await decide(sampleBody())).action).toBe('block');
    expect((await decide(sampleBody())).action).toBe('block');
  });
});

describe('config file', () => {
  it('turns {regex} objects into RegExps and checks the shape', () => {
    const config = parseConfig(
      JSON.stringify({
        keys: [{ apiKey: 'k', secret: 's' }],
        answers: [
          { match: { path: { regex: '^/API/', flags: 'i' } }, answer: { action: 'block' } },
        ],
      }),
    );
    const match = config.answers![0]!.match as { path: RegExp };
    expect(match.path).toBeInstanceOf(RegExp);
    expect(match.path.test('/api/x')).toBe(true);
    expect(() => parseConfig('[]')).toThrow(/object/);
    expect(() => parseConfig('{"answers":[{}]}')).toThrow(/answers\[0\]/);
    expect(() => parseConfig('{"keys":[{"apiKey":1}]}')).toThrow(/keys\[0\]/);
    expect(() => parseConfig('{')).toThrow(/not valid JSON/);
  });
});
