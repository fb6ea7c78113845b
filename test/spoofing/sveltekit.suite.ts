import { svelteKitTarget } from '../conformance/targets/sveltekit.js';
import { runSpoofing } from './spoofing.js';

// adapter-node behind one proxy (ADDRESS_HEADER=x-forwarded-for, XFF_DEPTH=1: the proxy's own
// entry, whatever the client put before it), and with no proxy (the socket peer).
for (const target of [svelteKitTarget('proxied'), svelteKitTarget('direct')]) runSpoofing(target);
