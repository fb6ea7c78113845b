import { decisionBody as runtimeDecisionBody } from '@esper/runtime';
import type { MockAnswer, MockDecision, MockFault } from './types.js';

export const DEFAULT_ANSWER: MockDecision = { action: 'allow', reason: 'mock default answer' };

export function isFault(answer: MockAnswer): answer is MockFault {
  return 'fault' in answer;
}

/** The v1 response body for a decision, with protocol defaults filled in and `extra` added. */
export function decisionBody(answer: MockDecision, origin: string): Record<string, unknown> {
  return { ...runtimeDecisionBody(answer, origin), ...answer.extra };
}
