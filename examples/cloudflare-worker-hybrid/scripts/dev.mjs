// `npm run dev`: the worker on http://127.0.0.1:8788 with .dev.vars as bindings. An alternative
// to `wrangler dev` that runs on Node 20 (wrangler 4 needs Node 22).
import { readDevVars, startWorker } from './local.mjs';

const port = Number(process.env.PORT ?? 8788);
const { mf, url } = await startWorker({ bindings: readDevVars(), port });
console.log(`worker listening on ${url}`);
const stop = () => mf.dispose().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
