import { runRouting } from './routing.js';
import { fetchRouting } from './targets/fetch.js';

// No known bypass: a third argument would list cells run as expected failures, with reasons.
for (const router of ['plain', 'hono'] as const) runRouting(fetchRouting('deno', router));
