// Requests/s of an Express app protected by @esper/express vs the same app calling the floor,
// under autocannon (50 connections), each app and the mock runtime in their own processes.
// Rounds alternate floor and SDK; the median of each is reported.
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

const apps = { floor: await startApp('floor'), sdk: await startApp('sdk') };
const rps = { floor: [], sdk: [] };
const errors = { floor: 0, sdk: 0 };
try {
  for (const kind of ['floor', 'sdk']) await run(apps[kind].url, 1); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of r % 2 ? ['sdk', 'floor'] : ['floor', 'sdk']) {
      const res = await run(apps[kind].url, DURATION);
      rps[kind].push(res.requests.average);
      errors[kind] += res.errors + res.non2xx;
    }
  }
} finally {
  apps.floor.stop();
  apps.sdk.stop();
  await mock.close();
}
const floor = median(rps.floor);
const sdk = median(rps.sdk);
emit({
  throughput: {
    floor_rps: round(floor, 0),
    sdk_rps: round(sdk, 0),
    ratio: round(sdk / floor, 3),
    duration_s: DURATION,
    rounds: ROUNDS,
    connections: 50,
    errors,
  },
});
