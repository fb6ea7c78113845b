// Lambda@Edge triggers through a stand-in CloudFront built on AWS's published event examples
// (targets/lambda-edge.ts): viewer request alone, origin request alone, and viewer request with
// the viewer-response companion.
import { runConformance } from './scenarios.js';
import {
  lambdaEdgeOrigin,
  lambdaEdgeViewer,
  lambdaEdgeViewerResponse,
} from './targets/lambda-edge.js';

// A request trigger alone answers with the request or a whole response: it cannot add headers to
// the origin's response (the viewer-response companion can; packages/lambda/README.md).
const limitations = {
  'runtime response headers are merged; two Set-Cookies stay two':
    "a request trigger alone cannot add headers to the origin's response",
};
for (const target of [lambdaEdgeViewer, lambdaEdgeOrigin])
  runConformance({ ...target, limitations });
runConformance(lambdaEdgeViewerResponse);
