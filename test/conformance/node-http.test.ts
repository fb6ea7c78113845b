import { runConformance } from './scenarios.js';
import { nodeHttpTarget } from './targets/node-http.js';

runConformance(nodeHttpTarget);
