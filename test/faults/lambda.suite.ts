import {
  lambdaAlb,
  lambdaAlbMultiValue,
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaMiddy,
} from '../conformance/targets/lambda.js';
import { withHeaders } from '../helpers/fault-suites.js';
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
  withHeaders(lambdaApigwV1, 'Host 1.2.3.999', [['host', '1.2.3.999']]),
  withHeaders(lambdaApigwV2, 'Host :99999', [['host', 'api.example:99999']]),
  withHeaders(lambdaAlb, 'Host [0:…:0], proto garbled', [
    ['host', '[0:0:0:0:0:0:0:0:0]'],
    ['x-forwarded-proto', 'javascript'],
  ]),
  withHeaders(lambdaAlbMultiValue, 'Host :99999, proto list', [
    ['host', 'api.example:99999'],
    ['x-forwarded-proto', 'http, https'],
  ]),
])
  runFaultMatrix(target, { slackMs: 50, watcher });
