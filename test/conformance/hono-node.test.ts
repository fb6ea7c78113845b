import { runConformance } from './scenarios.js';
import { honoNodeTarget } from './targets/hono-node.js';

runConformance(honoNodeTarget);
