// A CloudFront Lambda@Edge viewer-request trigger: every request to the distribution is decided
// at the edge, cache hits included. Lambda@Edge has no environment variables, so `npm run build`
// writes these values into the bundle from the build machine's environment (esbuild `define`).
import { esperEdge } from '@esper/lambda/edge';

export const handler = esperEdge({
  apiKey: process.env.ESPER_API_KEY,
  secret: process.env.ESPER_API_SECRET,
  apiBase: process.env.ESPER_API_BASE || undefined, // empty: Esper's API
  mode: process.env.ESPER_MODE === 'monitor' ? 'monitor' : 'live',
  // CloudFront gives a viewer-request function 5 s in all; a decision gets at most this.
  timeoutMs: Number(process.env.ESPER_TIMEOUT_MS) || 1000,
});
