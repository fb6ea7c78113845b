// `pnpm test:soak`: SOAK_REQUESTS (default 200,000) keep-alive requests through @esper/express
// (its own process) against the mock runtime, client IPs rotating over 16,384 addresses at the
// Heroku router hop; the runtime blocks every 4th address with a 300 s TTL, so the decision
// cache (bound SOAK_CACHE_MAX, default 2,000) fills and evicts. Fails on any error, RSS growth
// over 30 MB or live-heap growth over 10 MB after warm-up (the first 10 %), or a cache over
// its bound (or never reaching it). Stops by itself after SOAK_REQUESTS.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { startMockRuntime } from '@esper/testing';
import { Pool } from 'undici';

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 200_000);
const CACHE_MAX = Number(process.env.SOAK_CACHE_MAX ?? 2_000);
const POOL_IPS = 16_384;
const CONCURRENCY = 16;
const RSS_LIMIT_MB = 30;
const HEAP_LIMIT_MB = 10;
const KEY = { apiKey: 'soak_key', secret: 'soak_secret_0123456789abcdef0123' };

const ipOf = (n) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
// Every 4th address is blocked: last octet divisible by 4 (POOL_IPS is a multiple of 256).
const blocked = (ip) => Number(ip.split('.')[3]) % 4 === 0;

const runtime = await startMockRuntime({
  keys: [KEY],
  answers: [
    {
      match: (body) => blocked(body.request.client_ip ?? '0.0.0.1'),
      answer: { action: 'block', ttl_seconds: 300, cache_scope: 'client', policy_id: 'pol_soak' },
    },
  ],
  defaultAnswer: { action: 'allow' },
  maxRecordedRequests: 100,
});
const child = fork(
  new URL('./app.mjs', import.meta.url),
  [runtime.url, KEY.apiKey, KEY.secret, String(CACHE_MAX)],
  { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
);
const [{ port }] = await once(child, 'message');
// One question at a time over IPC, so each answer belongs to its question.
let asked = Promise.resolve();
const stats = () => {
  const answer = asked.then(async () => {
    child.send('stats');
    const [s] = await once(child, 'message');
    return s;
  });
  asked = answer.catch(() => {});
  return answer;
};

const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
const counts = { sent: 0, ok: 0, blocked: 0, errors: 0, fallbacks: 0 };
const fallbackReasons = {};
const errorSamples = [];
const samples = [];
const warmUp = Math.ceil(TOTAL / 10);
let next = 0;
let warm;

async function one(n) {
  const ip = ipOf((n * 7919) % POOL_IPS); // a prime stride: every address, in a scattered order
  try {
    const res = await pool.request({
      path: `/item/${n % 100}`,
      method: 'GET',
      headers: {
        'user-agent': 'soak/1.0',
        accept: 'application/json',
        // The client's own (spoofed) entry, then the hop the router appends.
        'x-forwarded-for': `6.6.6.6, ${ip}`,
        'x-forwarded-proto': 'https',
      },
    });
    const source = res.headers['x-soak-source'];
    await res.body.dump();
    if (res.statusCode === 403 && blocked(ip)) counts.blocked++;
    else if (res.statusCode === 200 && !blocked(ip) && source === 'remote') counts.ok++;
    else if (res.statusCode === 200 && source === 'fallback') {
      // A fail-open fallback (the runtime too slow for the 2 s timeout): not an error, counted.
      counts.fallbacks++;
      const reason = res.headers['x-soak-reason'];
      fallbackReasons[reason] = (fallbackReasons[reason] ?? 0) + 1;
    } else throw new Error(`${ip}: status ${res.statusCode}, source ${source}`);
  } catch (err) {
    counts.errors++;
    if (errorSamples.length < 5) errorSamples.push(String(err));
  }
}

async function worker() {
  while (next < TOTAL) {
    const n = next++;
    await one(n);
    counts.sent++;
    if (counts.sent === warmUp) warm = stats();
    if (counts.sent % Math.ceil(TOTAL / 10) === 0) {
      const s = await stats();
      samples.push({
        at: counts.sent,
        rssBytes: s.rss,
        rssMB: +(s.rss / 2 ** 20).toFixed(1),
        heapMB: +(s.heapUsed / 2 ** 20).toFixed(1),
        cache: s.cacheSize,
      });
    }
  }
}

const started = performance.now();
const before = await stats();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - started) / 1000;
const atWarm = await warm;
const end = await stats();
child.send('close');
await pool.close();
await once(child, 'exit');
await runtime.close();

const mb = (bytes) => +(bytes / 2 ** 20).toFixed(1);
// RSS swings by up to ~50 MB between samples (allocator arenas and socket buffers, measured:
// 109-158 MB over a 200,000 run whose live heap stayed at 13.6-14.7 MB), so growth is the
// floor of the last three samples over the warm-up sample: a leak raises the floor, a spike
// does not.
const tail = [...samples.slice(-2).map((x) => x.rssBytes), end.rss];
const growth = mb(Math.min(...tail) - atWarm.rss);
const heapGrowth = mb(end.heapUsed - atWarm.heapUsed);
const report = {
  requests: counts.sent,
  allowedByRuntime: counts.ok,
  blocked: counts.blocked,
  fallbacks: counts.fallbacks,
  fallbackReasons,
  errors: counts.errors,
  durationS: +seconds.toFixed(1),
  reqPerS: Math.round(counts.sent / seconds),
  rssMB: {
    start: mb(before.rss),
    afterWarmUp: mb(atWarm.rss),
    end: mb(end.rss),
    floorOfLast3: mb(Math.min(...tail)),
    growth,
  },
  heapUsedMB: { afterWarmUp: mb(atWarm.heapUsed), end: mb(end.heapUsed), growth: heapGrowth },
  cache: { size: end.cacheSize, bound: CACHE_MAX, distinctBlockedKeys: POOL_IPS / 4 },
  trend: samples.map(({ rssBytes, ...rest }) => rest),
};
console.log(JSON.stringify(report, null, 2));
if (errorSamples.length) console.log('error samples:', errorSamples);
const failures = [];
if (counts.errors > 0) failures.push(`${counts.errors} errors`);
if (counts.sent !== TOTAL) failures.push(`${counts.sent} of ${TOTAL} requests sent`);
if (growth > RSS_LIMIT_MB)
  failures.push(`RSS grew ${growth} MB after warm-up (limit ${RSS_LIMIT_MB})`);
// RSS moves by tens of MB with allocator and socket buffers; the live heap is the leak signal.
if (heapGrowth > HEAP_LIMIT_MB)
  failures.push(`live heap grew ${heapGrowth} MB after warm-up (limit ${HEAP_LIMIT_MB})`);
if (end.cacheSize > CACHE_MAX) failures.push(`cache ${end.cacheSize} over its bound ${CACHE_MAX}`);
if (TOTAL >= 20_000 && end.cacheSize < CACHE_MAX)
  failures.push(
    `cache ${end.cacheSize} never reached its bound ${CACHE_MAX}: the soak did not fill it`,
  );
console.log(failures.length === 0 ? 'soak: passed' : `soak: FAILED: ${failures.join('; ')}`);
process.exit(failures.length === 0 ? 0 : 1);
