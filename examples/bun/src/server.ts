// Bun serves the wrapped handler: Esper decides on every request before it runs.
import { decisionOf, withEsper } from '@esper/fetch';

// Settings from ESPER_* in process.env (Bun also loads them from .env).
const handler = withEsper((request) => {
  // Only allowed requests get here (every request, in monitor mode).
  const decision = decisionOf(request);
  return Response.json({ hello: 'world', decision: decision?.action, id: decision?.decisionId });
});

const server = Bun.serve({ port: Number(process.env.PORT ?? 3000), fetch: handler });
console.log(`listening on http://localhost:${server.port}`);

// Finish in-flight requests and background work on SIGTERM, then exit.
process.on('SIGTERM', async () => {
  await server.stop();
  await handler.drain();
  process.exit(0);
});
