import { runConformance } from './scenarios.js';
import {
  lambdaAlbMultiValue,
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaMiddy,
} from './targets/lambda.js';

for (const target of [
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaAlbMultiValue,
  lambdaMiddy,
]) {
  runConformance(target);
}
