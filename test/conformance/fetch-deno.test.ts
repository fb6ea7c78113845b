import { runConformance } from './scenarios.js';
import { fetchTarget } from './targets/fetch.js';

runConformance(fetchTarget('deno'));
