import { fastify4Target, fastify5Target } from '../conformance/targets/fastify.js';
import { runSpoofing } from './spoofing.js';

// fastify4: the Heroku preset reads the router's line; fastify5: `trustProxy` and request.ip.
for (const target of [fastify4Target, fastify5Target]) runSpoofing(target);
