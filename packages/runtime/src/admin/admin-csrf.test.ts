/**
 * The admin API against cross-site requests: a page in the user's browser can send a
 * "simple" POST (text/plain, form types) that carries the browser's cached Basic credentials,
 * so changes need JSON, a same-origin (or no) Origin, and a header a page cannot add.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import { ADMIN_TOKEN, decide } from '../test-support/tenant-calls.js';

let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const RULES = '/tenants/quickstart/rules';
const BASIC = `Basic ${Buffer.from(`ops:${ADMIN_TOKEN}`).toString('base64')}`;
const BEARER = `Bearer ${ADMIN_TOKEN}`;
const blockAll = JSON.stringify({
  rule_id: 'r_block_all',
  name: 'block all',
  priority: 100,
  expression: { FieldExists: { field_name: 'request_path' } },
  outcome: 'Block',
});

function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  return fetch(`${server.url}${path}`, { method, headers, ...(body ? { body } : {}) });
}

async function plantedNothing() {
  const rules = await send('GET', RULES, { authorization: BEARER });
  expect((await rules.json()).rules).toEqual([]);
  const audit = await send('GET', '/tenants/quickstart/audit', { authorization: BEARER });
  expect((await audit.json()).entries).toEqual([]);
  expect(await decide(server.url, { path: '/' })).toMatchObject({ action: 'allow' });
}

describe('admin API: cross-site requests', () => {
  it('refuses the attack: a cross-site text/plain POST with cached Basic credentials', async () => {
    const res = await send(
      'POST',
      RULES,
      {
        authorization: BASIC,
        'content-type': 'text/plain;charset=UTF-8',
        origin: 'https://attacker.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'no-cors',
      },
      blockAll,
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('cross_site_request');
    await plantedNothing();
  });

  it.each([
    ['another origin', { origin: 'https://attacker.example' }],
    ['an opaque origin', { origin: 'null' }],
    ['another port of the same host', { origin: 'http://127.0.0.1:1' }],
    ['sec-fetch-site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['sec-fetch-site same-site (another localhost port)', { 'sec-fetch-site': 'same-site' }],
  ])('refuses a change from %s with 403, even with the bearer token', async (_what, extra) => {
    const headers = { authorization: BEARER, 'content-type': 'application/json', ...extra };
    expect((await send('POST', RULES, headers, blockAll)).status).toBe(403);
    expect((await send('DELETE', `${RULES}/r_x`, headers)).status).toBe(403);
    await plantedNothing();
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['no content type', undefined],
  ])('refuses a change sent as %s with 415', async (_what, type) => {
    const headers: Record<string, string> = { authorization: BEARER };
    if (type) headers['content-type'] = type;
    const res = await send('POST', RULES, headers, blockAll);
    expect(res.status).toBe(415);
    expect((await res.json()).error).toMatchObject({
      code: 'unsupported_media_type',
      message: expect.stringContaining('application/json'),
    });
    const patch = await send('PATCH', `${RULES}/r_x`, headers, '{}');
    expect(patch.status).toBe(415);
    await plantedNothing();
  });

  it('refuses Basic credentials for a change, even same-origin JSON, saying what to send', async () => {
    const res = await send(
      'POST',
      RULES,
      { authorization: BASIC, 'content-type': 'application/json', origin: server.url },
      blockAll,
    );
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/Bearer|x-esper-admin-token/);
    // No Basic challenge: a browser must not be invited to cache credentials for changes.
    expect(res.headers.get('www-authenticate')).not.toMatch(/^Basic/);
    await plantedNothing();
  });

  it('accepts a change with the bearer token or x-esper-admin-token, same-origin or none', async () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const bearer = await send(
      'POST',
      RULES,
      { ...json, authorization: BEARER, origin: server.url, 'sec-fetch-site': 'same-origin' },
      blockAll,
    );
    expect(bearer.status).toBe(201);
    const token = await send('DELETE', `${RULES}/r_block_all`, {
      'x-esper-admin-token': ADMIN_TOKEN,
      'x-esper-actor': 'ci',
    });
    expect(token.status).toBe(204);
    const wrong = await send('DELETE', `${RULES}/r_x`, { 'x-esper-admin-token': 'nope' });
    expect(wrong.status).toBe(401);
  });

  it('keeps the results page usable in a browser: a Basic GET, even linked from elsewhere', async () => {
    const res = await send('GET', '/results', {
      authorization: BASIC,
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<h2>Tenant quickstart</h2>');
    const unauthenticated = await send('GET', '/results', {});
    expect(unauthenticated.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });
});
