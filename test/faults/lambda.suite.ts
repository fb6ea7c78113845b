import type { Target } from '../conformance/target.js';
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

/**
 * The same target, every request carrying headers the URL parser refuses to build a Request
 * from (a Host that passes a host-name check but is no valid authority, a garbled
 * X-Forwarded-Proto). Each fault must still end in the fallback, and the next request in a
 * real decision: not in an event handed on undecided.
 */
function withBadHeaders(target: Target, label: string, headers: Array<[string, string]>): Target {
  return {
    name: `${target.name}, ${label}`,
    async start(options) {
      const instance = await target.start(options);
      return {
        ...instance,
        request: (req) =>
          instance.request({ ...req, headers: [...(req.headers ?? []), ...headers] }),
      };
    },
  };
}

// In-process: the measured time is the handler's own invocation.
const watcher = processWatcher();
for (const target of [
  lambdaApigwV1,
  lambdaApigwV2,
  lambdaFunctionUrl,
  lambdaAlb,
  lambdaAlbMultiValue,
  lambdaMiddy,
  withBadHeaders(lambdaApigwV1, 'Host 1.2.3.999', [['host', '1.2.3.999']]),
  withBadHeaders(lambdaApigwV2, 'Host :99999', [['host', 'api.example:99999']]),
  withBadHeaders(lambdaAlb, 'Host [0:…:0], proto garbled', [
    ['host', '[0:0:0:0:0:0:0:0:0]'],
    ['x-forwarded-proto', 'javascript'],
  ]),
  withBadHeaders(lambdaAlbMultiValue, 'Host :99999, proto list', [
    ['host', 'api.example:99999'],
    ['x-forwarded-proto', 'http, https'],
  ]),
])
  runFaultMatrix(target, { slackMs: 50, watcher });
