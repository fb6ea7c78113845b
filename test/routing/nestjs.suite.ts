import { runRouting } from './routing.js';
import { nestRouting } from './targets/nestjs.js';

for (const target of [
  nestRouting('express'),
  nestRouting('fastify'),
  nestRouting('fastify', { caseSensitive: false, ignoreTrailingSlash: true }),
])
  runRouting(target);
