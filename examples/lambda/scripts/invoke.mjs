// `npm run invoke -- [METHOD] PATH [--rest | --function-url | --edge]`: invokes the built handler once
// with a real event shape and a Lambda context, as `sam local invoke` would, without Docker.
// Settings come from the environment (ESPER_API_BASE, ESPER_API_KEY, ESPER_API_SECRET).
import { parseArgs } from 'node:util';
import { httpApiEvent, lambdaContext, restApiEvent, viewerRequestEvent } from './events.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rest: { type: 'boolean' },
    'function-url': { type: 'boolean' },
    edge: { type: 'boolean' },
  },
});
const [method, path] = positionals.length > 1 ? positionals : ['GET', positionals[0] ?? '/'];
const req = { method, path: path ?? '/', headers: { accept: 'application/json' } };

const name = values.edge ? 'edge' : values.rest ? 'middy' : 'handler';
const built = new URL(`../dist/${name}.mjs`, import.meta.url);
const { handler } = await import(built.href);
const event = values.edge
  ? viewerRequestEvent(req)
  : values.rest
    ? restApiEvent(req)
    : httpApiEvent(req, { functionUrl: values['function-url'] });
console.log(JSON.stringify(await handler(event, lambdaContext()), null, 2));
process.exit(0); // the keep-alive connection to the runtime would keep Node running
