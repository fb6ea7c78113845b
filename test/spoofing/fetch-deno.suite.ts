import { fetchTarget } from '../conformance/targets/fetch.js';
import { runSpoofing } from './spoofing.js';

runSpoofing(fetchTarget('deno'));
