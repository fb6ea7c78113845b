import { runRouting } from './routing.js';
import { svelteKitRouting } from './targets/sveltekit.js';

// Platform limit, not a bypass of the adapter: adapter-node serves the files of `static/` (and
// prerendered pages) with its file server (sirv) before SvelteKit, and so before any `handle`
// hook, sees the request; sirv decodes the path, so each spelling of the file is served. A file
// that needs protecting belongs behind a route (`src/routes/…/+server.ts`), or at the proxy.
const STATIC_LIMIT =
  "platform limit: adapter-node's file server serves static/secret.html before the handle hook runs";

runRouting(
  svelteKitRouting({
    '/secret.html': STATIC_LIMIT,
    '/%73ecret.html': STATIC_LIMIT,
    '/secret%2ehtml': STATIC_LIMIT,
  }),
);
