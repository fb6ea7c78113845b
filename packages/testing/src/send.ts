import { decisionBody, isFault } from './answers.js';
import {
  type AnswerScope,
  hang,
  malformedJson,
  oversized,
  reset,
  sendBody,
  slowDrip,
  statusFault,
  unknownAction,
} from './faults.js';
import type { MitigationBody, MockAnswer } from './types.js';

/** Turns a chosen answer (decision or fault) into the response, recording what was sent. */
export async function sendAnswer(
  scope: AnswerScope,
  answer: MockAnswer,
  body: MitigationBody,
): Promise<Response> {
  if (!isFault(answer)) {
    return sendBody(scope, 200, JSON.stringify(decisionBody(answer, scope.origin)));
  }
  switch (answer.fault) {
    case 'delay': {
      // An aborted client is recorded by the app; nothing is left to answer.
      if (!(await scope.ctl.sleep(answer.ms, scope.signal)))
        return new Response(null, { status: 499 });
      const next = answer.then ?? (await scope.ctl.fallbackAnswer(body, scope.ctx));
      return sendAnswer(scope, next, body);
    }
    case 'hang':
      return hang(scope);
    case 'status':
      return statusFault(scope, answer);
    case 'malformed_json':
      return malformedJson(scope);
    case 'unknown_action':
      return unknownAction(scope);
    case 'reset':
      return reset(scope);
    case 'oversized':
      return oversized(scope, answer);
    case 'slow_drip':
      return slowDrip(scope, answer);
    default: {
      const unknown: never = answer;
      throw new TypeError(`unknown fault ${JSON.stringify(unknown)}`);
    }
  }
}
