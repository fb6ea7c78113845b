import { runConformance } from './scenarios.js';
import { vercelTarget } from './targets/vercel.js';

runConformance(vercelTarget('vercel-node'));
