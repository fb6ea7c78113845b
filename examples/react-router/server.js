// Production server: static assets, then the React Router app built from server/app.ts.
import express from 'express';

const { app: handler } = await import('./build/server/index.js');
const app = express();
app.use('/assets', express.static('build/client/assets', { immutable: true, maxAge: '1y' }));
app.use(express.static('build/client', { maxAge: '1h' }));
app.use(handler);

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});

// Finish in-flight requests on SIGTERM (process managers, containers), then exit.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
