// Hybrid decisions at a steady rate in a fresh process, for the reporter's CPU cost: protect()
// with `createEsper({ decider })` at `rate` decisions/s against the origin at `url`, event
// reporting on or off; after `warmupS` seconds, the process CPU time (user + system) of the
// next `seconds` seconds. Also exports the request mix hybrid.mjs measures protect() with.
// Usage: node bench/hybrid-load.mjs '{"url","apiKey","secret","report","rate","seconds","warmupS"}'
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEsper } from '@esper/core';
import { emit, round } from './lib.mjs';

const hybridDist = new URL('../packages/hybrid/dist/index.js', import.meta.url);
export const { createHybrid } = await import(hybridDist.href);

const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148',
  'curl/8.4.0',
  'python-requests/2.31',
];

/**
 * `n` requests: ~1,000 client IPs × 6 user agents (so neither core's decision cache, were it
 * used, nor one window key serves them), pages, articles (the `view_article` action), POST
 * /login (the windowed `pol_login_burst`), `?foo=bar` (blocked by `pol_foo_bar`) and searches.
 */
export function requestMix(n, seed = 7) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const out = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * 1000);
    const headers = {
      'user-agent': AGENTS[Math.floor(rand() * AGENTS.length)],
      accept: 'text/html',
      'accept-language': 'en-US,en;q=0.9',
      'x-real-ip': `10.${c >> 8}.${c & 255}.${1 + Math.floor(rand() * 4)}`,
    };
    const r = rand();
    let url = 'https://app.example.com/';
    let method = 'GET';
    if (r < 0.35) url = `https://app.example.com/products/${Math.floor(rand() * 500)}`;
    else if (r < 0.6) url = `https://app.example.com/articles/${Math.floor(rand() * 200)}`;
    else if (r < 0.7) {
      url = 'https://app.example.com/login';
      method = 'POST';
    } else if (r < 0.8) url = 'https://app.example.com/search?foo=bar';
    else if (r < 0.9) url = `https://app.example.com/search?q=item${Math.floor(rand() * 100)}`;
    out.push(new Request(url, { method, headers }));
  }
  return out;
}

/** The SDK as a hybrid user wires it: a hybrid decider in createEsper, client IP from a header. */
export function hybridClient({ url, apiKey, secret, report = true, pollIntervalMs = 10_000 }) {
  const hybrid = createHybrid({
    apiKey,
    secret,
    apiBase: url,
    pollIntervalMs,
    reportEvents: report,
  });
  const esper = createEsper({
    apiKey,
    secret,
    apiBase: url,
    env: {},
    decider: hybrid.decider,
    clientIp: { trustedHeader: 'x-real-ip' },
  });
  return { hybrid, esper };
}

export function checkLocal(d) {
  if (d.source !== 'local')
    throw new Error(`expected a local decision, got ${d.source}: ${d.reason} ${d.message ?? ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = JSON.parse(process.argv[2]);
  const { hybrid, esper } = hybridClient(o);
  await hybrid.ready();
  const pool = requestMix(4096);
  let done = 0;
  const t0 = performance.now();
  let cpu0;
  let wall0;
  let done0 = 0;
  const measureFrom = o.warmupS * 1000;
  const end = measureFrom + o.seconds * 1000;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (cpu0 === undefined && elapsed >= measureFrom) {
      cpu0 = process.cpuUsage();
      wall0 = performance.now();
      done0 = done;
    }
    if (elapsed >= end) break;
    const due = Math.floor((elapsed * o.rate) / 1000);
    while (done < due) {
      checkLocal(await esper.protect(pool[done % pool.length]));
      done++;
    }
    await sleep(1);
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const decisions = done - done0;
  const events = hybrid.status().events;
  await hybrid.close();
  await esper.close();
  emit({
    report: o.report,
    decisions,
    rate: round((decisions * 1000) / wall, 0),
    cpu_ms: round((cpu.user + cpu.system) / 1000, 1),
    cpu_user_ms: round(cpu.user / 1000, 1),
    cpu_system_ms: round(cpu.system / 1000, 1),
    cpu_us_per_decision: round((cpu.user + cpu.system) / decisions, 2),
    events,
  });
}
