import type { IncomingMessage } from 'node:http';
import type { Decision } from '@esper/core';

/**
 * The parts of Express's request this adapter reads. Declared structurally so the published
 * types depend on neither @types/express 4 nor 5.
 */
export interface ExpressRequest extends IncomingMessage {
  app?: { get(setting: string): unknown };
  ip?: string;
  protocol?: string;
  originalUrl?: string;
  esper?: Decision;
}
