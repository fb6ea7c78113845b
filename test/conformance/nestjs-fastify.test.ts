import { runConformance } from './scenarios.js';
import { nestFastifyTarget } from './targets/nestjs.js';

runConformance(nestFastifyTarget);
