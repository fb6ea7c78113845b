import { runConformance } from './scenarios.js';
import { nestExpressTarget } from './targets/nestjs.js';

runConformance(nestExpressTarget);
