import { lambdaEdgeOrigin, lambdaEdgeViewer } from '../conformance/targets/lambda-edge.js';
import { runSpoofing } from './spoofing.js';

// CloudFront's `clientIp` is the only address believed; in origin-request events CloudFront's
// own X-Forwarded-For hop (which appends that same address) is not needed.
for (const target of [lambdaEdgeViewer, lambdaEdgeOrigin]) runSpoofing(target);
