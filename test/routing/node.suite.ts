import { runRouting } from './routing.js';
import { expressRouting } from './targets/express.js';
import { honoNodeRouting } from './targets/hono-node.js';
import { lambdaRoutingTargets } from './targets/lambda.js';

// No known bypass: a target's third argument lists cells run as expected failures, each with
// its reason, and an entry that stops failing fails the suite until it is removed.
for (const target of [
  expressRouting('express4', false),
  expressRouting('express5', false),
  expressRouting('express4', true),
  expressRouting('express5', true),
  honoNodeRouting(),
  ...lambdaRoutingTargets(),
])
  runRouting(target);
