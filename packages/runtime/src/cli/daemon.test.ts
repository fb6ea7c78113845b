/**
 * `esper run` as a real process against a real origin: local decisions on the protocol v1
 * endpoint, the spool's exactly-once delivery across `kill -9`, its bound while origin is down,
 * one daemon per data directory, and SIGTERM draining.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createSigner } from '@esper/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../server/start.js';
import { errorOf, signedPost } from '../test-support/signed-call.js';
import { bodyFor, WEB_KEY } from '../test-support/tenant-calls.js';
import {
  daemonStatus,
  hybridResults,
  killLeftDaemons,
  type OriginSwitch,
  originSwitch,
  startDaemonProcess,
  startOrigin,
  syncedHome,
} from './test-support/daemon-setup.js';
import { esper, until } from './test-support/esper-cli.js';

let origin: RuntimeServer;
let sw: OriginSwitch;
beforeAll(async () => {
  origin = await startOrigin();
  sw = await originSwitch(() => origin.url);
});
afterEach(() => killLeftDaemons());
afterAll(async () => {
  await sw.close();
  await origin.close();
});

async function decide(url: string, input: Parameters<typeof bodyFor>[0] = {}) {
  const res = await signedPost(url, bodyFor(input), WEB_KEY);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    action: string;
    policy_id: string | null;
    decision_id: string;
    challenge: { url: string } | null;
  };
}

describe('esper run', () => {
  it('decides protocol v1 calls locally, checks signatures and replays as origin does, reports upstream', async () => {
    origin.reset();
    sw.mode = 'pass';
    const home = await syncedHome(sw.url);
    const { p, url } = await startDaemonProcess(home);
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ ready: true });
      const blocked = await decide(url, { query: 'foo=bar' });
      expect(blocked).toMatchObject({ action: 'block', policy_id: 'pol_foo_bar' });
      expect(blocked.decision_id).toMatch(/^dec_hyb_/);
      expect((await decide(url, { path: '/articles/1' })).action).toBe('allow');
      const wrong = await signedPost(url, bodyFor(), { apiKey: WEB_KEY.apiKey, secret: 'wrong' });
      expect(wrong.status).toBe(401);
      expect((await errorOf(wrong)).code).toBe('bad_signature');
      const body = bodyFor();
      expect((await signedPost(url, body, WEB_KEY)).status).toBe(200);
      expect((await errorOf(await signedPost(url, body, WEB_KEY))).code).toBe('replayed_request');
      // The cloud endpoint of origin was never called: every count there is a reported event.
      await until(
        async () => (await hybridResults(origin)).requests === 3,
        10_000,
        'events at origin',
      );
      expect((await hybridResults(origin)).decisions).toMatchObject({ block: 1, allow: 2 });
      const status = await esper(['status'], { ESPER_HOME: home });
      expect(status.stdout).toMatch(/daemon: running/);
      expect(status.stdout).toMatch(/decisions: (block 1, allow 2|allow 2, block 1)/);
      expect(status.stdout).toMatch(/spool: 0 waiting, 3 sent, 0 dropped/);
      // The results console: behind the run's token, with the same figures.
      expect((await fetch(`${url}/console`)).status).toBe(401);
      const token = readFileSync(join(home, 'data', 'console-token'), 'utf8').trim();
      const auth = { authorization: `Bearer ${token}` };
      const page = await fetch(`${url}/console`, { headers: auth });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('esper run: results');
      const data = (await (await fetch(`${url}/console/data.json`, { headers: auth })).json()) as {
        scopes: Array<{
          totals: Record<string, number>;
          policies: Array<{ id: string; name: string; block: number }>;
        }>;
      };
      expect(data.scopes[0]?.totals).toMatchObject({ requests: 3, block: 1 });
      expect(data.scopes[0]?.policies.find((r) => r.id === 'pol_foo_bar')).toMatchObject({
        block: 1,
      });
      const log = readFileSync(join(home, 'logs', 'esper.log'), 'utf8');
      expect(log).toMatch(/"msg":"events sent"/);
      expect(log).not.toContain(token);
      expect(log).not.toContain(WEB_KEY.secret);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });

  it("challenges locally with origin's hosted challenge page", async () => {
    sw.mode = 'pass';
    const home = await syncedHome(sw.url);
    const { p, url } = await startDaemonProcess(home);
    try {
      const logins = [];
      for (let i = 0; i < 6; i++)
        logins.push(
          await decide(url, { method: 'POST', path: '/login', clientIp: '198.51.100.7' }),
        );
      expect(logins.slice(0, 5).every((a) => a.action === 'allow')).toBe(true);
      const challenged = logins[5] as {
        action: string;
        policy_id: string;
        challenge: { url: string };
      };
      expect(challenged).toMatchObject({ action: 'challenge', policy_id: 'pol_login_burst' });
      expect(challenged.challenge.url.startsWith(`${sw.url}/challenge`)).toBe(true);
      // The SDK adds the protected URL when it redirects the browser there.
      const back = encodeURIComponent('http://127.0.0.1:3000/login');
      const page = await fetch(`${challenged.challenge.url}&return_url=${back}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });

  it('refuses a second daemon on one data directory (exit 4), takes over a stale lock', async () => {
    sw.mode = 'pass';
    const home = await syncedHome(sw.url);
    const first = await startDaemonProcess(home);
    const second = await esper(['run'], { ESPER_HOME: home });
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(`another esper daemon (pid ${first.p.child.pid})`);
    // Another data directory but the same port: exit 1, at once, naming the address.
    const port = new URL(first.url).port;
    const busy = await esper(['run', '--port', port], { ESPER_HOME: await syncedHome(sw.url) });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    first.p.child.kill('SIGKILL');
    await first.p.exited;
    const third = await startDaemonProcess(home);
    expect((await decide(third.url)).action).toBe('allow');
    expect(await third.p.stop()).toBe(0);
  });
  it('starts from the cache with origin down; a corrupt cache is refused (file, line, field) and synced again', async () => {
    sw.mode = 'pass';
    // SIGTERM with origin down tries to send the spool for this long.
    const home = await syncedHome(sw.url, { shutdown_timeout_ms: 500 });
    sw.mode = 'down';
    const cold = await startDaemonProcess(home);
    expect((await fetch(`${cold.url}/readyz`)).status).toBe(200);
    expect((await decide(cold.url, { query: 'foo=bar' })).action).toBe('block');
    expect(await cold.p.stop()).toBe(0);

    const file = join(home, 'cache', 'snapshot.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"pol_foo_bar"', '7'));
    sw.mode = 'pass';
    const { p, url } = await startDaemonProcess(home);
    await until(async () => (await fetch(`${url}/readyz`)).status === 200, 10_000, 'ready');
    const log = readFileSync(join(home, 'logs', 'esper.log'), 'utf8');
    const refused = log.split('\n').find((l) => l.includes('cached snapshot refused'));
    expect(JSON.parse(refused ?? '{}')).toMatchObject({
      file,
      field: '$.config.policies[1].policy_id',
      line: expect.any(Number),
    });
    await until(
      () => readFileSync(file, 'utf8').includes('"pol_foo_bar"'),
      5000,
      'the cache rewritten',
    );
    expect((await decide(url, { query: 'foo=bar' })).policy_id).toBe('pol_foo_bar');
    expect(await p.stop()).toBe(0);
  });
});

describe('the spool', () => {
  it('kill -9 with events spooled: after restart every event arrives at origin exactly once', async () => {
    origin.reset();
    sw.mode = 'pass';
    const home = await syncedHome(sw.url);
    // Origin counts every batch, but the daemon never hears back: its spool keeps them all.
    sw.mode = 'lose-events';
    const first = await startDaemonProcess(home);
    const n = 40;
    for (let i = 0; i < n; i++) await decide(first.url, { query: i % 4 === 0 ? 'foo=bar' : 'a=1' });
    await until(
      async () => (await hybridResults(origin)).requests === n,
      10_000,
      'the lost batches at origin',
    );
    await until(async () => (await daemonStatus(first.url)).spool.depth === n, 5000, 'spool depth');
    first.p.child.kill('SIGKILL');
    await first.p.exited;

    sw.mode = 'pass';
    const second = await startDaemonProcess(home);
    const m = 10;
    for (let i = 0; i < m; i++) await decide(second.url);
    await until(
      async () => (await daemonStatus(second.url)).spool.depth === 0,
      15_000,
      'an empty spool',
    );
    const results = await hybridResults(origin);
    expect(results.requests).toBe(n + m);
    const counted = Object.values(results.decisions).reduce((a, b) => a + b, 0);
    expect(counted).toBe(n + m);
    expect(results.policies.pol_foo_bar?.block).toBe(n / 4);
    const log = readFileSync(join(home, 'logs', 'esper.log'), 'utf8');
    // The resent events: origin answered that all n were duplicates, and counted none again.
    const sent = log
      .split('\n')
      .filter((line) => line.includes('"msg":"events sent"'))
      .map((line) => JSON.parse(line) as { accepted: number; duplicates: number });
    expect(sent.reduce((a, l) => a + l.duplicates, 0)).toBe(n);
    expect(sent.reduce((a, l) => a + l.accepted, 0)).toBe(m);
    expect(await second.p.stop()).toBe(0);
  });

  it('origin down for the run: stays within its bound, drops the oldest with a count', async () => {
    origin.reset();
    sw.mode = 'pass';
    const home = await syncedHome(sw.url, { spool_max_events: 15 });
    sw.mode = 'down';
    const { p, url } = await startDaemonProcess(home);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await decide(url, { path: `/n/${i}` })).decision_id);
    await until(async () => (await daemonStatus(url)).spool.dropped === 25, 5000, '25 dropped');
    const status = await daemonStatus(url);
    expect(status.spool.depth).toBe(15);
    const text = await esper(['status'], { ESPER_HOME: home });
    expect(text.stdout).toMatch(/spool: 15 waiting, 0 sent, 25 dropped/);
    expect((await hybridResults(origin)).requests).toBe(0);
    sw.mode = 'pass';
    await until(
      async () => (await daemonStatus(url)).spool.sent === 15,
      20_000,
      'the 15 newest sent',
    );
    expect((await hybridResults(origin)).requests).toBe(15);
    const spool = readFileSync(join(home, 'data', 'spool.log'), 'utf8');
    // The newest were kept: the last 15 decisions.
    for (const id of ids.slice(25)) expect(spool).toContain(id);
    expect(await p.stop()).toBe(0);
  });
});

describe('SIGTERM', () => {
  it('finishes the call in flight, sends the spool, then exits 0', async () => {
    origin.reset();
    sw.mode = 'pass';
    const home = await syncedHome(sw.url);
    const { p, url } = await startDaemonProcess(home);
    for (let i = 0; i < 5; i++) await decide(url);
    // A call whose body is still arriving when SIGTERM comes.
    const text = JSON.stringify(bodyFor({ query: 'foo=bar' }));
    const path = '/api/v1/runtime/mitigation';
    const sign = await createSigner(WEB_KEY.apiKey, WEB_KEY.secret);
    const headers = await sign('POST', path, text, Math.floor(Date.now() / 1000));
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${url}${path}`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        },
      });
      req.once('response', (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.write(text.slice(0, 20));
      setTimeout(() => {
        p.child.kill('SIGTERM');
        setTimeout(() => req.end(text.slice(20)), 300);
      }, 100);
    });
    const done = await answer;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({ action: 'block', policy_id: 'pol_foo_bar' });
    expect(await p.exited).toBe(0);
    // Everything decided, the call in flight included, reached origin before the exit.
    expect((await hybridResults(origin)).requests).toBe(6);
    expect(p.stdout()).toMatch(/stopped \(SIGTERM\)/);
    const after = await esper(['status'], { ESPER_HOME: home });
    expect(after.stdout).toMatch(/^daemon: not running/);
    expect(after.stdout).toMatch(/^spool: 0 waiting, 6 sent, 0 dropped$/m);
    expect(after.stdout).toMatch(/^last run: pid \d+, stopped \S+ \(SIGTERM\); decisions: /m);
    const json = JSON.parse((await esper(['status', '--json'], { ESPER_HOME: home })).stdout);
    const decided = Object.values(json.last_run.decisions as Record<string, number>);
    expect(decided.reduce((a, b) => a + b, 0)).toBe(6);
  });
});
