import type { MitigationMode, Outcome } from './types.js';

export type Action = 'allow' | 'challenge' | 'block';
export type Mode = 'live' | 'monitor';

/** Block > Challenge > Observe > Allow: when several things match, the most severe decides. */
export const SEVERITY: Readonly<Record<Outcome, number>> = {
  Allow: 1,
  Observe: 2,
  Challenge: 3,
  Block: 4,
};

export const OUTCOME_OF_MODE: Readonly<Record<MitigationMode, Outcome>> = {
  Monitor: 'Observe',
  Challenge: 'Challenge',
  Block: 'Block',
};

/** What the integration enforces for an outcome. Observe is recorded, never enforced. */
export function enforce(outcome: Outcome): { action: Action; mode: Mode } {
  switch (outcome) {
    case 'Allow':
      return { action: 'allow', mode: 'live' };
    case 'Observe':
      return { action: 'allow', mode: 'monitor' };
    case 'Challenge':
      return { action: 'challenge', mode: 'live' };
    case 'Block':
      return { action: 'block', mode: 'live' };
  }
}
