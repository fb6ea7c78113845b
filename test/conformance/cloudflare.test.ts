import { runConformance } from './scenarios.js';
import { cloudflareTarget } from './targets/cloudflare.js';

runConformance(cloudflareTarget);
