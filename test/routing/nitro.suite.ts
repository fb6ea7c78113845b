import { runRouting } from './routing.js';
import { nitroRouting, nitroWorkersRouting, nuxtRouting } from './targets/nitro.js';

// No known bypass (see node.suite.ts for the `known` convention).
runRouting(nitroRouting());
runRouting(nuxtRouting());
runRouting(nitroWorkersRouting());
