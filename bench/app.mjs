// Child process: an Express app (GET / -> "ok") protected either by @esper/express or by the
// floor over undici (`floor`: crypto.subtle HMAC; `floor-node`: node:crypto), talking to the mock runtime at BENCH_URL. Prints its port over IPC.
import express from 'express';
import * as undici from 'undici';

const KEY = JSON.parse(process.env.BENCH_KEY);
const url = process.env.BENCH_URL;
const app = express();
if (process.argv[2] === 'sdk') {
  const { esper } = await import('@esper/express');
  app.use(esper({ apiBase: url, ...KEY, env: {}, cache: false }));
} else {
  const { createFloor } = await import('./floor.mjs');
  const hmac = process.argv[2] === 'floor-node' ? 'node' : 'subtle';
  const floor = await createFloor({ apiBase: url, ...KEY, undici, hmac });
  app.use((req, res, next) => {
    floor
      .decide(
        { method: req.method, url: `http://${req.headers.host}${req.url}`, headers: req.headers },
        req.socket.remoteAddress,
      )
      .then((action) => (action === 'block' ? res.status(403).end() : next()), next);
  });
}
app.get('/', (_req, res) => {
  res.send('ok');
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
// A clean exit on SIGINT lets `--cpu-prof` write its profile (used when profiling this app).
process.on('SIGINT', () => process.exit(0));
