import { runConformance } from './scenarios.js';
import { fastify5Target } from './targets/fastify.js';

runConformance(fastify5Target);
