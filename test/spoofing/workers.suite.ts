import { cloudflareTarget } from '../conformance/targets/cloudflare.js';
import { honoWorkersTarget } from '../conformance/targets/hono-workers.js';
import { runSpoofing } from './spoofing.js';

for (const target of [cloudflareTarget, honoWorkersTarget]) runSpoofing(target);
