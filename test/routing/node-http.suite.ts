import { runRouting } from './routing.js';
import {
  koaRouting,
  nodeHttpRawRouting,
  nodeHttpRouting,
  polkaRouting,
} from './targets/node-http.js';

// @esper/node on a plain node:http server (two hand routers: `new URL()` and the raw `req.url`),
// Koa and Polka, each in this process with its router's real semantics. No known bypass.
for (const target of [nodeHttpRouting, nodeHttpRawRouting, koaRouting, polkaRouting]) {
  runRouting(target);
}
