import { runConformance } from './scenarios.js';
import { polkaTarget } from './targets/node-http.js';

runConformance(polkaTarget);
