// The app itself uses only Hono and Web standards, so this file runs unchanged on Node,
// Cloudflare Workers, Bun and Deno; only the entry point differs (src/server.ts for Node).
import { esper } from '@esper/hono';
import { Hono } from 'hono';

const app = new Hono();

// Settings from ESPER_* (process.env on Node, Bun and Deno; the bindings on Workers).
// Before your routes: it decides for all of them.
app.use(esper());

app.get('/', (c) => {
  // Only allowed requests get here (every request, in monitor mode).
  const decision = c.get('esper');
  return c.json({ hello: 'world', decision: decision.action, decisionId: decision.decisionId });
});

export default app;
