import { runRouting } from './routing.js';
import { astroRouting } from './targets/astro.js';

// A platform limit, not an adapter bug: `/secret.html` is a prerendered route, so `astro build`
// writes dist/client/secret.html, and @astrojs/node's file server (`send`, which decodes the
// path, collapses `//`, resolves `..` inside the root and drops `#…`) answers every spelling
// of it before Astro runs, so no middleware can decide them. Protect a page by not
// prerendering it (packages/astro/README.md, "Prerendered pages and public/ files").
const FILE_SERVER =
  'platform limit: @astrojs/node serves the prerendered dist/client/secret.html before any middleware';

runRouting(
  astroRouting(
    Object.fromEntries(
      [
        '/secret.html',
        '/css/../secret.html',
        '/css/%2e%2e/secret.html',
        '//secret.html',
        '/css%2f..%2fsecret.html',
        '/%2fsecret.html',
        '/%73ecret.html',
        '/secret%2ehtml',
        '/secret.html#x',
      ].map((variant) => [variant, FILE_SERVER]),
    ),
  ),
);
