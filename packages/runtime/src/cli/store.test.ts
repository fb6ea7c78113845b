/**
 * runtime.xml's `<store>`: two `esper run` daemons (own data directories, own ports) on one
 * real `redis-server` count in the same windows, so "more than 5 logins in 1 minute" blocks the
 * 6th login across both; the Redis URL (with a password) never shows in `esper status` or the
 * logs; and a bad `<store>` is refused naming file, line and field.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServer,
  redisUnavailable,
  startRedisServer,
} from '../../../../test/helpers/redis-server.js';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { ADMIN_TOKEN, decide, quickstart } from '../test-support/tenant-calls.js';
import { syncedHome } from './test-support/daemon-setup.js';
import { type EsperProcess, esper, startEsper } from './test-support/esper-cli.js';

const unavailable = redisUnavailable();
if (unavailable) console.warn(`esper run store tests skipped: ${unavailable}`);

const PASSWORD = 'redis-pw-never-printed-7c1f';
const ENV_NAME = 'ESPER_TEST_REDIS_URL';

/** The quickstart tenant, its login burst policy blocking instead of challenging. */
function blockingTenant() {
  const t = quickstart();
  t.policies = (t.policies ?? []).map((p) =>
    p.policy_id === 'pol_login_burst' ? { ...p, mitigation_id: 'mit_block' } : p,
  );
  return t;
}

/** runtime.xml with its `<store>…</store>` replaced by `store`. */
function setStore(home: string, store: string): string {
  const file = join(home, 'runtime.xml');
  const xml = readFileSync(file, 'utf8');
  expect(xml).toMatch(/<store>\s*<memory>\s*<max_keys>10000<\/max_keys>\s*<\/memory>\s*<\/store>/);
  writeFileSync(file, xml.replace(/<store>[\s\S]*<\/store>/, store));
  return file;
}

/** The 1-based line of the first line of runtime.xml matching `pattern`. */
function lineOf(file: string, pattern: RegExp): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => pattern.test(l)) + 1
  );
}

let origin: RuntimeServer;
beforeAll(async () => {
  origin = await startRuntime({ tenants: [blockingTenant()], adminToken: ADMIN_TOKEN });
});
afterAll(() => origin?.close());

const running: EsperProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
});

describe.skipIf(!!unavailable)('esper run with <store><redis>', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    expect(redis.cli('CONFIG', 'SET', 'requirepass', PASSWORD)).toBe('OK');
  });
  afterAll(() => redis?.stop());

  it('two daemons on one Redis share the window: the 6th login across both is blocked', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
    const [homeA, homeB] = [await syncedHome(origin.url), await syncedHome(origin.url)];
    // One names an environment variable, the other holds the URL itself.
    setStore(
      homeA,
      `<store>\n    <redis>\n      <url_env>${ENV_NAME}</url_env>\n    </redis>\n  </store>`,
    );
    setStore(homeB, `<store><redis><url>${url}</url></redis></store>`);
    const start = async (home: string) => {
      const p = await startEsper(['run', '--verbose'], { ESPER_HOME: home, [ENV_NAME]: url });
      running.push(p);
      const [, at] = await p.waitFor(/listening on (http:\/\/\S+)/);
      await p.waitFor(/redis store connected/);
      return { p, url: at as string };
    };
    const [a, b] = [await start(homeA), await start(homeB)];
    expect(a.url).not.toBe(b.url);

    const login = { method: 'POST', path: '/login', clientIp: '198.51.100.77', userAgent: 'ua/1' };
    const actions: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await decide(i % 2 === 0 ? a.url : b.url, login);
      actions.push(
        answer.policy_id === null ? answer.action : `${answer.action} ${answer.policy_id}`,
      );
    }
    // Three logins per daemon: counted alone, each would have allowed all of them.
    expect(actions).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'block pol_login_burst']);
    expect((await decide(b.url, { ...login, clientIp: '198.51.100.78' })).action).toBe('allow');

    const text = await esper(['status'], { ESPER_HOME: homeA });
    expect(text.stdout).toMatch(
      new RegExp(
        `^store: redis redis://127\\.0\\.0\\.1:${redis.port} \\(from \\$${ENV_NAME}\\), breaker closed, 0 recent failures, 0 short-circuited$`,
        'm',
      ),
    );
    const json = JSON.parse((await esper(['status', '--json'], { ESPER_HOME: homeB })).stdout);
    expect(json.store).toEqual({
      type: 'redis',
      url: `redis://127.0.0.1:${redis.port}`,
      url_env: null,
      breaker: { state: 'closed', recent_failures: 0, short_circuited: 0, last_error: null },
    });
    for (const p of [a.p, b.p]) expect(await p.stop()).toBe(0);
    for (const home of [homeA, homeB]) {
      const log = readFileSync(join(home, 'logs', 'esper.log'), 'utf8');
      expect(log).toContain('redis store connected');
      expect(log).not.toContain(PASSWORD);
    }
    expect(text.stdout + JSON.stringify(json) + a.p.stdout() + b.p.stdout()).not.toContain(
      PASSWORD,
    );
  }, 60_000);
});

describe('runtime.xml <store>', () => {
  it('esper init writes the memory default, and esper status shows it', async () => {
    const home = await syncedHome(origin.url);
    const xml = readFileSync(join(home, 'runtime.xml'), 'utf8');
    expect(xml).toContain('<store>\n    <memory>\n      <max_keys>10000</max_keys>');
    const p = await startEsper(['run'], { ESPER_HOME: home });
    running.push(p);
    await p.waitFor(/listening on/);
    const status = await esper(['status'], { ESPER_HOME: home });
    expect(status.stdout).toMatch(/^store: memory \(max_keys 10000\)$/m);
    expect(await p.stop()).toBe(0);
  }, 30_000);

  const secret = 'pw-in-a-bad-url-3a9e';
  const cases: Array<[string, string, RegExp, RegExp]> = [
    ['an unknown kind', '<store><disk/></store>', /<store>/, /store\.disk: unknown field/],
    ['an unknown word', '<store>redis</store>', /<store>/, /store: expected <memory> or <redis>/],
    [
      'max_keys of 0',
      '<store>\n<memory>\n<max_keys>0</max_keys>\n</memory>\n</store>',
      /<max_keys>/,
      /store\.memory\.max_keys: expected an integer from 1 to 100000000, got "0"/,
    ],
    [
      'an unknown redis field',
      '<store><redis><host>x</host></redis></store>',
      /<store>/,
      /store\.redis\.host: unknown field/,
    ],
    [
      'both url and url_env',
      '<store>\n<redis>\n<url>redis://127.0.0.1:1</url>\n<url_env>X</url_env>\n</redis>\n</store>',
      /^<redis>/,
      /store\.redis: expected exactly one of <url> and <url_env>/,
    ],
    [
      'an http URL (holding a password)',
      `<store>\n<redis>\n<url>http://:${secret}@127.0.0.1:6379</url>\n</redis>\n</store>`,
      /<url>/,
      /store\.redis\.url: expected a redis:\/\/ or rediss:\/\/ URL, got a http: URL/,
    ],
    [
      'not a URL (holding a password)',
      `<store>\n<redis>\n<url>:${secret}@127.0.0.1</url>\n</redis>\n</store>`,
      /<url>/,
      /store\.redis\.url: expected a redis:\/\/ or rediss:\/\/ URL \(the value is not printed/,
    ],
    [
      'a url_env that is not a variable name',
      '<store>\n<redis>\n<url_env>redis://x</url_env>\n</redis>\n</store>',
      /<url_env>/,
      /store\.redis\.url_env: expected an environment variable name/,
    ],
  ];
  it.each(cases)('refuses %s with file, line and field', async (_what, store, at, expected) => {
    const home = await syncedHome(origin.url);
    const file = setStore(home, store);
    const r = await esper(['sync'], { ESPER_HOME: home });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${file}:${lineOf(file, at)}: `);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toContain(secret);
  });

  it('esper run refuses a url_env naming an unset variable (and esper sync does not need it)', async () => {
    const home = await syncedHome(origin.url);
    const file = setStore(
      home,
      '<store>\n<redis>\n<url_env>ESPER_UNSET_REDIS_URL</url_env>\n</redis>\n</store>',
    );
    expect((await esper(['sync'], { ESPER_HOME: home })).code).toBe(0);
    const r = await esper(['run'], { ESPER_HOME: home, ESPER_UNSET_REDIS_URL: undefined });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(
      `${file}:${lineOf(file, /<url_env>/)}: store.redis.url_env: $ESPER_UNSET_REDIS_URL is not set`,
    );
    const bad = await esper(['run'], {
      ESPER_HOME: home,
      ESPER_UNSET_REDIS_URL: `ftp://:${secret}@h`,
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /store\.redis\.url_env: \$ESPER_UNSET_REDIS_URL: expected a redis:\/\//,
    );
    expect(bad.stderr).not.toContain(secret);
  }, 30_000);
});
