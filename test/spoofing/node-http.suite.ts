import { koaTarget, nodeHttpTarget, polkaTarget } from '../conformance/targets/node-http.js';
import { runSpoofing } from './spoofing.js';

// node-http: behind a proxy named in ESPER_TRUSTED_PROXIES (the client IP is the address the
// proxy appended); koa, polka: clients connecting directly (the socket peer, 127.0.0.1).
for (const target of [nodeHttpTarget, koaTarget, polkaTarget]) runSpoofing(target);
