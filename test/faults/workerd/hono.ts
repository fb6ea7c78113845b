// The hono-workers target's app, plus a report of unhandled rejections (see ./cloudflare.ts).
import app from '../../conformance/fixtures/hono-app/app.js';

addEventListener('unhandledrejection', (e) => console.log(`Uncaught (in promise) ${e.reason}`));
export default app;
