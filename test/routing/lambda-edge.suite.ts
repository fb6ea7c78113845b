import { runRouting } from './routing.js';
import { lambdaEdgeRoutingTargets } from './targets/lambda-edge.js';

// No known bypass: a target's entry in the argument lists cells run as expected failures, each
// with its reason, and an entry that stops failing fails the suite until it is removed.
for (const target of lambdaEdgeRoutingTargets()) runRouting(target);
