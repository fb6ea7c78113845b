import { runConformance } from './scenarios.js';
import { express4Target } from './targets/express.js';

runConformance(express4Target);
