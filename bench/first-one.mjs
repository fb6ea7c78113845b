// Child process: import + create + first decision in a fresh process, against the mock runtime
// of another process (BENCH_URL). The timer starts before any import of the subject; the only
// static import is the result printer. Frameworks (hono) are imported before the timer.
const subject = process.argv[2];
const url = process.env.BENCH_URL;
const KEY = JSON.parse(process.env.BENCH_KEY);
const ip = '203.0.113.7';
const request = () =>
  new Request('https://shop.example/login?next=%2F', {
    headers: {
      'user-agent': 'Mozilla/5.0 bench',
      accept: 'text/html',
      'cf-connecting-ip': ip,
      'x-real-ip': ip,
    },
  });
const options = { apiBase: url, ...KEY, env: {}, cache: false, timeoutMs: 5000 };
const pre = subject === 'hono' ? await import('hono') : undefined;

const start = performance.now();
let action;
if (subject === 'floor' || subject === 'floor_undici') {
  const { createFloor } = await import('./floor.mjs');
  const undici = subject === 'floor_undici' ? await import('undici') : undefined;
  const floor = await createFloor({ apiBase: url, ...KEY, undici });
  action = await floor.decide(request(), ip);
  await floor.close();
} else if (subject === 'core' || subject === 'core_node') {
  const { createEsper } = await import('@esper/core');
  let node = {};
  if (subject === 'core_node') {
    // What @esper/express and @esper/lambda pass to core.
    const { createNodeSigner, createUndiciTransport } = await import('@esper/core/node');
    node = {
      transport: createUndiciTransport({ load: () => import('undici') }),
      signer: createNodeSigner(await import('node:crypto')),
    };
  }
  const esper = createEsper({ ...options, ...node, clientIp: { trustedHeader: 'x-real-ip' } });
  action = (await esper.protect(request())).action;
  await esper.close();
} else if (subject === 'cloudflare') {
  const { withEsper } = await import('@esper/cloudflare');
  const worker = withEsper(() => new Response('ok'), options);
  const res = await worker.fetch(request(), {}, { waitUntil() {} });
  action = res.status === 200 ? 'allow' : 'block';
} else if (subject === 'vercel') {
  const { withEsper } = await import('@esper/vercel');
  const res = await withEsper(options)(request());
  action = res.headers.get('x-middleware-next') ? 'allow' : 'block';
} else if (subject === 'hono') {
  const { esper } = await import('@esper/hono');
  const app = new pre.Hono();
  app.use(esper({ ...options, clientIp: { trustedHeader: 'x-real-ip' } }));
  app.get('*', (c) => c.text('ok'));
  const res = await app.fetch(request());
  action = res.status === 200 ? 'allow' : 'block';
} else throw new Error(`unknown subject ${subject}`);
const ms = performance.now() - start;
if (action !== 'allow') throw new Error(`${subject}: expected allow, got ${action}`);
const { emit } = await import('./lib.mjs');
emit({ ms });
