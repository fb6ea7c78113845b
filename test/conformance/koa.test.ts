import { runConformance } from './scenarios.js';
import { koaTarget } from './targets/node-http.js';

runConformance(koaTarget);
