import { astroTarget } from '../conformance/targets/astro.js';
import { runSpoofing } from './spoofing.js';

// Astro 5's `clientAddress` on @astrojs/node is the first x-forwarded-for entry when there is
// one: @esper/astro takes the socket peer instead (see packages/astro/src/platform.ts).
runSpoofing(astroTarget);
