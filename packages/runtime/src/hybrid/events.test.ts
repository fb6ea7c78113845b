/** POST /api/v1/hybrid/events over real HTTP: validation, idempotency, capacity, results. */
import { createSigner } from '@esper/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import { hybridEvent, postEvents } from '../test-support/hybrid-calls.js';
import { ADMIN_TOKEN, admin, decide, quickstart, WEB_KEY } from '../test-support/tenant-calls.js';
import { EVENTS_PATH, SNAPSHOT_PATH } from './hybrid-routes.js';

const OTHER_KEY = { apiKey: 'other_key', secret: 'other_secret' };
let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({
    tenants: [QUICKSTART_TENANT, quickstart({ tenant_id: 'other', api_keys: [OTHER_KEY] })],
    adminToken: ADMIN_TOKEN,
  });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const results = async (tenant = 'quickstart') =>
  (await admin(server.url, `/tenants/${tenant}/results`)).json();

async function accept(events: unknown[], opts: Parameters<typeof postEvents>[2] = {}) {
  const res = await postEvents(server.url, { events }, opts);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.json();
}

describe('hybrid events', () => {
  it('counts a batch once, however often it is sent', async () => {
    const batch = [
      hybridEvent(),
      hybridEvent({ action: 'challenge', policy_id: 'pol_login_burst' }),
    ];
    expect(await accept(batch)).toEqual({ accepted: 2, duplicates: 0 });
    expect(await accept(batch)).toEqual({ accepted: 0, duplicates: 2 });
    const third = hybridEvent({ action: 'allow', policy_id: null, mitigation_id: null });
    expect(await accept([...batch, third, third])).toEqual({ accepted: 1, duplicates: 3 });
    const r = await results();
    expect(r.requests).toBe(3);
    expect(r.by_operation_mode.hybrid.requests).toBe(3);
    expect(r.decisions).toEqual({ allow: 1, challenge: 1, block: 1, monitor: 0 });
  });

  it('counts like cloud decisions, split by operation mode in the JSON and the page', async () => {
    await decide(server.url, { path: '/', query: 'foo=bar' });
    await accept([
      hybridEvent(),
      hybridEvent(),
      hybridEvent({
        action: 'block',
        mode: 'monitor',
        policy_id: 'pol_traffic_share',
        mitigation_id: 'mit_monitor',
      }),
    ]);
    const r = await results();
    expect(r.requests).toBe(4);
    expect(r.decisions).toEqual({ allow: 0, challenge: 0, block: 3, monitor: 1 });
    expect(r.policies.pol_foo_bar).toEqual({ observe: 0, challenge: 0, block: 3, allow: 0 });
    expect(r.by_operation_mode.cloud.policies.pol_foo_bar).toEqual({
      observe: 0,
      challenge: 0,
      block: 1,
      allow: 0,
    });
    expect(r.by_operation_mode.hybrid.policies).toEqual({
      pol_foo_bar: { observe: 0, challenge: 0, block: 2, allow: 0 },
      pol_traffic_share: { observe: 1, challenge: 0, block: 0, allow: 0 },
    });
    expect(r.by_operation_mode.hybrid.decisions).toEqual({
      allow: 0,
      challenge: 0,
      block: 2,
      monitor: 1,
    });
    expect(r.by_operation_mode.cloud.requests).toBe(1);

    const html = await (await admin(server.url, '/results')).text();
    expect(html).toContain('4 requests (1 cloud, 3 hybrid)');
    expect(html).toContain(
      '<td>pol_foo_bar</td><td>cloud</td><td>0</td><td>0</td><td>1</td><td>0</td>',
    );
    expect(html).toContain(
      '<td>pol_foo_bar</td><td>hybrid</td><td>0</td><td>0</td><td>2</td><td>0</td>',
    );
  });

  it('files an event decided by a rule under rules', async () => {
    await admin(server.url, '/tenants/quickstart/rules', {
      method: 'POST',
      body: JSON.stringify({
        rule_id: 'r_edge',
        name: 'r',
        priority: 1,
        expression: { FieldExists: { field_name: 'email' } },
        outcome: 'Block',
      }),
    });
    await accept([hybridEvent({ policy_id: 'r_edge', mitigation_id: null })]);
    const r = await results();
    expect(r.by_operation_mode.hybrid.rules.r_edge).toEqual({
      observe: 0,
      challenge: 0,
      block: 1,
      allow: 0,
    });
    expect(r.policies).toEqual({});
  });

  it("counts in the key's tenant only; a tenant_id naming another is 403", async () => {
    await accept([hybridEvent()], { key: OTHER_KEY });
    expect((await results('other')).requests).toBe(1);
    expect((await results()).requests).toBe(0);
    const wrong = await postEvents(
      server.url,
      { events: [hybridEvent()] },
      {
        key: OTHER_KEY,
        path: `${EVENTS_PATH}?tenant_id=quickstart`,
      },
    );
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error.code).toBe('wrong_tenant');
    // Event ids are per tenant: the same event reported to another tenant is its own.
    const shared = hybridEvent();
    await accept([shared], { key: OTHER_KEY });
    expect(await accept([shared])).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('refuses a batch with one bad event whole, naming every bad path', async () => {
    const good = hybridEvent();
    const res = await postEvents(server.url, {
      events: [
        good,
        hybridEvent({ action: 'deny' }),
        hybridEvent({
          event_id: 'has space',
          request: { method: 'get', path: 'x', client_ip: '1.2.3' },
        }),
        hybridEvent({ observed_at: 'yesterday', mode: 'shadow', policy_id: 7, latency_us: -1 }),
        hybridEvent({}, Date.now() - 25 * 3600 * 1000),
        'nope',
      ],
    });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'invalid_body', path: '$.events[1].action' });
    expect(error.errors.map((e: { path: string }) => e.path)).toEqual([
      '$.events[1].action',
      '$.events[2].event_id',
      '$.events[2].request.method',
      '$.events[2].request.path',
      '$.events[2].request.client_ip',
      '$.events[3].observed_at',
      '$.events[3].mode',
      '$.events[3].policy_id',
      '$.events[3].latency_us',
      '$.events[4].observed_at',
      '$.events[5]',
    ]);
    expect((await results()).requests).toBe(0);
    // Nothing of the refused batch was remembered either.
    expect(await accept([good])).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('limits batches to 1,000 events (400) and 1 MiB (413)', async () => {
    const many = Array.from({ length: 1001 }, () => hybridEvent());
    const tooMany = await postEvents(server.url, { events: many });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.path).toBe('$.events');
    expect(await accept(many.slice(0, 1000))).toEqual({ accepted: 1000, duplicates: 0 });
    const padded = many.slice(0, 10).map((e) => ({ ...e, padding: 'x'.repeat(110_000) }));
    const big = await postEvents(server.url, { events: padded });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('payload_too_large');
    for (const [body, code] of [
      ['{nope', 'invalid_json'],
      ['[]', 'invalid_body'],
      ['{}', 'invalid_body'],
    ]) {
      const res = await postEvents(server.url, body);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe(code);
    }
  });

  it('takes the columnar form: the same counts, idempotent, each problem at its column', async () => {
    const t = Date.now();
    const columns = {
      event_id_prefix: `col-${Math.random().toString(36).slice(2)}-`,
      event_seq: [7, 1, 1],
      observed_at_ms: [t, 0, 5],
      decision_id: ['dec_a', 'dec_b', 'dec_c'],
      strings: ['block', 'live', 'GET', 'pol_foo_bar', 'mit_block', 'allow'],
      action: [0, 0, 5],
      mode: [1, 1, 1],
      policy_id: [3, 3, -1],
      mitigation_id: [4, 4, -1],
      method: [2, 2, 2],
      path: ['/', '/', '/a'],
      client_ip: ['203.0.113.10', null, '2001:db8::1'],
      latency_us: [180, 90, 3],
    };
    const post = (body: unknown) => postEvents(server.url, body);
    let res = await post({ columns });
    expect(await res.json()).toEqual({ accepted: 3, duplicates: 0 });
    // The ids are the prefix and the counter in 12 hex digits: the same events as rows.
    const rows = [7, 8, 9].map((n) =>
      hybridEvent({ event_id: `${columns.event_id_prefix}${n.toString(16).padStart(12, '0')}` }),
    );
    expect(await accept(rows.slice(0, 2))).toEqual({ accepted: 0, duplicates: 2 });
    const r = await results();
    expect(r.by_operation_mode.hybrid.decisions).toEqual({
      allow: 1,
      challenge: 0,
      block: 2,
      monitor: 0,
    });
    expect(r.by_operation_mode.hybrid.policies.pol_foo_bar.block).toBe(2);

    res = await post({
      columns: {
        ...columns,
        event_seq: [1, 1, 'x'],
        action: [0, 9, 0],
        path: ['/', 'nope', '/'],
        observed_at_ms: [t - 25 * 3600 * 1000, 0, 0],
      },
    });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.errors.map((e: { path: string }) => e.path)).toEqual([
      '$.columns.event_seq[2]',
      '$.columns.observed_at_ms[0]',
      '$.columns.observed_at_ms[1]',
      '$.columns.action[1]',
      '$.columns.path[1]',
      '$.columns.observed_at_ms[2]',
    ]);
    res = await post({ columns: { ...columns, mode: [1] } });
    expect((await res.json()).error.path).toBe('$.columns.mode');
    // Up to 10,000 events a batch as columns (a tenth of their bytes as rows).
    const many = (n: number) => ({
      columns: {
        ...columns,
        event_id_prefix: `many-${n}-`,
        ...Object.fromEntries(
          ['event_seq', 'observed_at_ms', 'decision_id', 'action', 'mode', 'policy_id']
            .concat(['mitigation_id', 'method', 'path', 'client_ip', 'latency_us'])
            .map((k) => [k, Array.from({ length: n }, (_, i) => (columns as never)[k][i % 3])]),
        ),
        event_seq: Array.from({ length: n }, () => 1),
        observed_at_ms: [t, ...Array.from({ length: n - 1 }, () => 0)],
      },
    });
    expect((await (await post(many(10_001))).json()).error.path).toBe('$.columns');
    expect(await (await post(many(10_000))).json()).toEqual({ accepted: 10_000, duplicates: 0 });
  });

  it('refuses a signature over another body, path or method', async () => {
    const body = JSON.stringify({ events: [hybridEvent()] });
    const cases: Array<Parameters<typeof postEvents>[2]> = [
      { signPath: SNAPSHOT_PATH },
      { signPath: '/api/v1/runtime/mitigation' },
      { signMethod: 'GET' },
      { path: `${EVENTS_PATH}?tenant_id=quickstart`, signPath: EVENTS_PATH },
    ];
    for (const opts of cases) {
      const res = await postEvents(server.url, body, opts);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('bad_signature');
    }
    const sign = await createSigner(WEB_KEY.apiKey, WEB_KEY.secret);
    const headers = await sign('POST', EVENTS_PATH, body, Math.floor(Date.now() / 1000));
    const tampered = await fetch(`${server.url}${EVENTS_PATH}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: body.replace('"block"', '"allow"'),
    });
    expect(tampered.status).toBe(401);
    expect((await results()).requests).toBe(0);
    expect((await fetch(`${server.url}${EVENTS_PATH}`)).status).toBe(405);
  });
});

describe('event id memory', () => {
  let clock = Date.now();
  let small: RuntimeServer;
  beforeAll(async () => {
    small = await startRuntime({ tenants: [QUICKSTART_TENANT], now: () => clock, maxEventIds: 3 });
  });
  afterAll(() => small.close());
  const send = (events: unknown[]) =>
    postEvents(small.url, { events }, { timestamp: Math.floor(clock / 1000) });

  it('refuses with 429 rather than forgetting, until 24 h have passed', async () => {
    const first = [hybridEvent({}, clock), hybridEvent({}, clock)];
    expect((await send(first)).status).toBe(200);
    // Two more new ids would make four: refused whole, nothing counted.
    const full = await send([first[0], hybridEvent({}, clock), hybridEvent({}, clock)]);
    expect(full.status).toBe(429);
    expect((await full.json()).error.code).toBe('event_capacity');
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    expect(small.runtime.tenants.get('quickstart')!.snapshot().requests).toBe(2);
    // Still remembered a second before 24 h: a resend is a duplicate, not counted again.
    clock += 24 * 3600 * 1000 - 1000;
    expect(await (await send(first)).json()).toEqual({ accepted: 0, duplicates: 2 });
    clock += 2000;
    expect(await (await send([hybridEvent({}, clock), hybridEvent({}, clock)])).json()).toEqual({
      accepted: 2,
      duplicates: 0,
    });
    // The forgotten events are now too old to be accepted again.
    expect((await send(first)).status).toBe(400);
  });
});
