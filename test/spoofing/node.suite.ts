import { express4Target, express5Target } from '../conformance/targets/express.js';
import { honoNodeTarget } from '../conformance/targets/hono-node.js';
import {
  lambdaAlb,
  lambdaAlbMultiValue,
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaMiddy,
} from '../conformance/targets/lambda.js';
import { vercelTarget } from '../conformance/targets/vercel.js';
import { runSpoofing } from './spoofing.js';

for (const target of [
  vercelTarget('vercel-node'),
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaAlb,
  lambdaAlbMultiValue,
  lambdaMiddy,
  express4Target,
  express5Target,
  honoNodeTarget,
])
  runSpoofing(target);
