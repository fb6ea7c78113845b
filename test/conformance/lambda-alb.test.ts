// ALB without multi-value headers: its `headers` map carries one Set-Cookie, so the scenario
// "two Set-Cookies stay two" cannot pass on this event source (see packages/lambda/README.md).
import { runConformance } from './scenarios.js';
import { lambdaAlb } from './targets/lambda.js';

runConformance({
  ...lambdaAlb,
  limitations: {
    'runtime response headers are merged; two Set-Cookies stay two':
      'single-value ALB responses carry one Set-Cookie; enable multi-value headers',
  },
});
