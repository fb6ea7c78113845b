import { runRouting } from './routing.js';
import { fastifyRouting } from './targets/fastify.js';

// Each major with find-my-way's defaults (Fastify 4 ends the path at `;`, Fastify 5 does not),
// then with every option that widens what a route serves turned on.
const loose = {
  caseSensitive: false,
  ignoreTrailingSlash: true,
  ignoreDuplicateSlashes: true,
  useSemicolonDelimiter: true,
};
for (const target of [
  fastifyRouting('fastify4'),
  fastifyRouting('fastify5'),
  fastifyRouting('fastify4', loose),
  fastifyRouting('fastify5', loose),
])
  runRouting(target);
