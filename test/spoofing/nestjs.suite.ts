import { nestExpressTarget, nestFastifyTarget } from '../conformance/targets/nestjs.js';
import { runSpoofing } from './spoofing.js';

// Each platform's own trust setting (Express `trust proxy`, Fastify `trustProxy`) picks the IP.
for (const target of [nestExpressTarget, nestFastifyTarget]) runSpoofing(target);
