import { runConformance } from './scenarios.js';
import { fastify4Target } from './targets/fastify.js';

runConformance(fastify4Target);
