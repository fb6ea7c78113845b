import { createEsperNode, type EsperKoaState } from '@esper/node';
import Router from '@koa/router';
import Koa from 'koa';

// Reads ESPER_API_KEY and ESPER_API_SECRET now, so a missing one fails at boot instead of on
// the first request. @koa/router ignores case and one trailing slash (it serves `/ADMIN/` from
// `/admin`): Esper is told so, and decides that request as `/admin`.
const esper = createEsperNode({ routing: { caseSensitive: false, strict: false } });

const app = new Koa<EsperKoaState>();
app.use(esper.koa); // first: it decides for every route after it

const router = new Router<EsperKoaState>();
router.get('/', (ctx) => {
  // Only allowed requests get here (every request, in monitor mode).
  const { esper: decision } = ctx.state;
  ctx.body = { hello: 'world', decision: decision?.action, decisionId: decision?.decisionId };
});
router.get('/admin', (ctx) => {
  ctx.body = { admin: 'only if Esper allows it' };
});
app.use(router.routes()).use(router.allowedMethods());

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : address;
  console.log(`listening on http://localhost:${port}`);
});

// On SIGTERM (a deploy, a restart): finish in-flight requests, then close the keep-alive
// connections to the Esper runtime so the process can exit.
process.on('SIGTERM', () => {
  server.close(() => void esper.close());
});
