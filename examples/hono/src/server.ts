// Node entry point. On Workers, Bun or Deno, `export default app` from src/app.ts is the
// entry point instead.
import { serve } from '@hono/node-server';
import app from './app.js';

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`listening on http://localhost:${info.port}`);
});

// Finish in-flight requests on SIGTERM (process managers, containers), then exit.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
