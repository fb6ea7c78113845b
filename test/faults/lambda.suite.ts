import {
  lambdaAlb,
  lambdaAlbMultiValue,
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaMiddy,
} from '../conformance/targets/lambda.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

// In-process: the measured time is the handler's own invocation.
const watcher = processWatcher();
for (const target of [
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaAlb,
  lambdaAlbMultiValue,
  lambdaMiddy,
])
  runFaultMatrix(target, { slackMs: 50, watcher });
