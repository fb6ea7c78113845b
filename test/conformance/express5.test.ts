import { runConformance } from './scenarios.js';
import { express5Target } from './targets/express.js';

runConformance(express5Target);
