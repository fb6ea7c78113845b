import { runConformance } from './scenarios.js';
import { honoWorkersTarget } from './targets/hono-workers.js';

runConformance(honoWorkersTarget);
