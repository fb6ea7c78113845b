// The soaked process: Express 5 + @esper/express behind the Heroku router (preset `heroku`:
// the client is the last x-forwarded-for hop). Run by run.mjs with --expose-gc, so each RSS
// sample is taken after a full GC. Talks to run.mjs over IPC only.
import { createRequire } from 'node:module';
import { esper } from '@esper/express';

const require = createRequire(new URL('../../packages/express/package.json', import.meta.url));
const express = require('express');

const [apiBase, apiKey, secret, maxEntries] = process.argv.slice(2);
const middleware = esper({
  apiBase,
  apiKey,
  secret,
  // The soak is about memory and errors; 2 s keeps a loaded machine's slow answers real
  // decisions (fallbacks are counted separately by run.mjs).
  timeoutMs: 2_000,
  clientIp: { preset: 'heroku' },
  cache: { maxEntries: Number(maxEntries) },
  env: {},
});
const app = express();
app.use(middleware);
app.use((req, res) => {
  res.set('x-soak-source', req.esper?.source ?? 'none');
  res.set('x-soak-reason', req.esper?.reason ?? 'none');
  res.send('ok');
});
const server = app.listen(0, '127.0.0.1', () => {
  process.send({ port: server.address().port });
});
process.on('message', async (message) => {
  if (message === 'stats') {
    // Two full collections and a pause, so the sample is live memory, not garbage not yet freed.
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ rss, heapUsed, cacheSize: middleware.client.cacheSize });
  } else if (message === 'close') {
    server.closeAllConnections();
    server.close();
    await middleware.close();
    process.disconnect();
  }
});
