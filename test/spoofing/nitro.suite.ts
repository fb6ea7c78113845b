import { nitroTarget, nitroWorkersTarget } from '../conformance/targets/nitro.js';
import { nuxtTarget } from '../conformance/targets/nuxt.js';
import { runSpoofing } from './spoofing.js';

// Behind one trusted proxy (core's trustedProxies), with no proxy (the socket peer), and the
// cloudflare-module build in workerd (cf-connecting-ip).
for (const target of [
  nitroTarget('proxied'),
  nitroTarget('direct'),
  nuxtTarget('proxied'),
  nuxtTarget('direct'),
  nitroWorkersTarget,
])
  runSpoofing(target);
