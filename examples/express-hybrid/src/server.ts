import { esper } from '@esper/express';
import { createHybrid } from '@esper/hybrid';
import { createRedisStore } from '@esper/redis';
import express from 'express';

// Where the tenant's windows ("more than 5 login attempts in 1 minute") are counted: with
// REDIS_URL, in Redis, shared by every instance of the app (one round trip per decision), so
// the limit holds however a load balancer spreads the requests; without it, in this process.
const store = process.env.REDIS_URL ? createRedisStore({ url: process.env.REDIS_URL }) : undefined;

// Hybrid mode: the tenant's policies are synced from Esper (ESPER_API_BASE) and every request
// is decided here, in this process, with no call to Esper. Each decision is reported back in
// batches. A missing key or secret throws now, naming the option.
const hybrid = createHybrid({
  apiKey: process.env.ESPER_API_KEY ?? '',
  secret: process.env.ESPER_API_SECRET ?? '',
  apiBase: process.env.ESPER_API_BASE,
  pollIntervalMs: Number(process.env.ESPER_HYBRID_POLL_MS ?? 10_000),
  store,
});

const app = express();

// The one change from cloud mode: the decider. Everything else reads as before.
const protect = esper({ decider: hybrid.decider });
app.use(protect);

app.get('/', (req, res) => {
  // Only allowed requests get here; `source` is 'local': decided in this process.
  const { action, source, decisionId } = req.esper ?? {};
  res.json({ hello: 'world', decision: action, source, decisionId });
});

// An account's 6th login attempt within a minute is blocked before it gets here.
app.post('/api/login', (req, res) => {
  res.json({ user: req.query.user, decision: req.esper?.action });
});

// The first sync, before taking traffic (it rejects when origin is unreachable and there is
// no bootstrap snapshot: the app then starts anyway and fails open until a sync succeeds).
await hybrid.ready().catch((err) => console.warn(`esper: ${err.message}`));
// Redis down at start: decisions fall back (fail open, reason store_unavailable) until it answers.
await store?.ready().catch((err) => console.warn(`esper: redis: ${err.message}`));

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : address;
  console.log(`listening on http://localhost:${port}`);
});

// On SIGTERM: finish in-flight requests, stop polling and send the decisions not yet reported.
process.on('SIGTERM', () => {
  server.close(() => void Promise.all([protect.close(), hybrid.close(), store?.close()]));
});
