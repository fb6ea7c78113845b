import { esper } from '@esper/fastify';
import Fastify from 'fastify';

// Behind a proxy, trust it the Fastify way (e.g. `trustProxy: '10.0.0.0/8'`): the plugin then
// takes the client IP from `request.ip`. Without it, the socket's peer is the client.
const app = Fastify();

// Reads ESPER_API_KEY and ESPER_API_SECRET now, so a missing one fails at boot instead of on
// the first request. Registered first: its onRequest hook decides for every route, 404s too.
await app.register(esper);

app.get('/', async (request) => {
  // Only allowed requests get here (every request, in monitor mode).
  return { hello: 'world', decision: request.esper?.action, decisionId: request.esper?.decisionId };
});

await app.listen({ host: '0.0.0.0', port: Number(process.env.PORT ?? 3000) });
const address = app.server.address();
console.log(
  `listening on http://localhost:${typeof address === 'object' ? address?.port : address}`,
);

// On SIGTERM: finish in-flight requests; `close()` also closes the plugin's connections to Esper.
process.on('SIGTERM', () => void app.close());
