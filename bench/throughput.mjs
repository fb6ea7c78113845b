// Requests/s of an Express app protected by @esper/express vs the same app calling the floor,
// under autocannon (50 connections), each app and the mock runtime in their own processes.
// Rounds alternate the order of the floors and the SDK; the median of each is reported. Two
// floors: crypto.subtle HMAC (as defined) and node:crypto (what @esper/express signs with).
// Usage: node bench/throughput.mjs [--quick]
import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import { emit, here, KEY, median, QUICK, round, startMockProcess } from './lib.mjs';

const DURATION = QUICK ? 3 : 10;
const ROUNDS = QUICK ? 1 : 3;
const mock = await startMockProcess();

function startApp(kind) {
  const child = fork(here('./app.mjs'), [kind], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_URL: mock.url, BENCH_KEY: JSON.stringify(KEY) },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`app ${kind} exited ${c}`)));
    child.once('message', ({ port }) => {
      child.removeAllListeners('exit');
      resolve({ url: `http://127.0.0.1:${port}/`, stop: () => child.kill('SIGTERM') });
    });
  });
}

const run = (url, duration) =>
  new Promise((resolve, reject) =>
    autocannon(
      { url, connections: 50, duration, headers: { 'user-agent': 'autocannon bench' } },
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );

const KINDS = ['floor', 'floor-node', 'sdk'];
const apps = {};
for (const kind of KINDS) apps[kind] = await startApp(kind);
const rps = Object.fromEntries(KINDS.map((k) => [k, []]));
const errors = Object.fromEntries(KINDS.map((k) => [k, 0]));
try {
  for (const kind of KINDS) await run(apps[kind].url, 1); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of r % 2 ? [...KINDS].reverse() : KINDS) {
      const res = await run(apps[kind].url, DURATION);
      rps[kind].push(res.requests.average);
      errors[kind] += res.errors + res.non2xx;
    }
  }
} finally {
  for (const app of Object.values(apps)) app.stop();
  await mock.close();
}
const floor = median(rps.floor);
const floorNode = median(rps['floor-node']);
const sdk = median(rps.sdk);
emit({
  throughput: {
    floor_rps: round(floor, 0),
    floor_node_rps: round(floorNode, 0),
    sdk_rps: round(sdk, 0),
    ratio: round(sdk / floor, 3),
    ratio_node: round(sdk / floorNode, 3),
    duration_s: DURATION,
    rounds: ROUNDS,
    connections: 50,
    errors,
  },
});
