// Origin for the hybrid bench, in its own process (forked by hybrid.mjs): @esper/runtime serving
// the quickstart tenant (snapshot, events, definitions API), behind a wrapper that records every
// request it answers (method, path, status, time). IPC: `requests` → the recorded requests since
// index `from` plus the totals per route; `results` → the tenant's Results (hybrid counts).
const runtimeDist = new URL('../packages/runtime/dist/index.js', import.meta.url);
const { createRuntimeApp, listen, PolicyRuntime, QUICKSTART_TENANT } = await import(
  runtimeDist.href
);

const { adminToken } = JSON.parse(process.argv[2] ?? '{}');
const runtime = new PolicyRuntime({ tenants: [QUICKSTART_TENANT], adminToken });
const app = createRuntimeApp(runtime);

/** Every answered request: [Date.now() when answered, method, path, status]. */
const recorded = [];
const totals = {};
const server = await listen(
  async (request, env) => {
    const response = await app.fetch(request, env);
    const { pathname } = new URL(request.url);
    const key = `${request.method} ${pathname} ${response.status}`;
    totals[key] = (totals[key] ?? 0) + 1;
    recorded.push([Date.now(), request.method, pathname, response.status]);
    return response;
  },
  { port: 0 },
);

process.on('message', async (m) => {
  let value;
  if (m.type === 'requests') value = { requests: recorded.slice(m.from ?? 0), totals };
  else if (m.type === 'results') value = runtime.tenants.get('quickstart').snapshot();
  process.send({ type: 'reply', id: m.id, value });
});
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
process.send({ type: 'ready', url: server.url });
