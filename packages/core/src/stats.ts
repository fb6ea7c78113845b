import type { Decision, DecisionReason, DecisionSource } from './decision.js';

/** Counts of the decisions a client has made since it was created, for health checks and metrics. */
export interface EsperStats {
  decisions: number;
  bySource: Partial<Record<DecisionSource, number>>;
  byReason: Partial<Record<DecisionReason, number>>;
  /** Fallbacks that allowed the request (the runtime could not be asked and the route is open). */
  failedOpen: number;
  /** Fallbacks that blocked the request (a fail-closed route, or `failMode: 'closed'`). */
  failedClosed: number;
}

export class DecisionCounter {
  private decisions = 0;
  private failedOpen = 0;
  private failedClosed = 0;
  private readonly bySource = new Map<DecisionSource, number>();
  private readonly byReason = new Map<DecisionReason, number>();

  count(decision: Decision) {
    this.decisions++;
    this.bySource.set(decision.source, (this.bySource.get(decision.source) ?? 0) + 1);
    this.byReason.set(decision.reason, (this.byReason.get(decision.reason) ?? 0) + 1);
    if (decision.source === 'fallback' && decision.reason !== 'invalid_request') {
      if (decision.action === 'allow') this.failedOpen++;
      else this.failedClosed++;
    }
  }

  snapshot(): EsperStats {
    return {
      decisions: this.decisions,
      bySource: Object.fromEntries(this.bySource),
      byReason: Object.fromEntries(this.byReason),
      failedOpen: this.failedOpen,
      failedClosed: this.failedClosed,
    };
  }
}

const NOTICE_INTERVAL_MS = 60_000;

/**
 * With no logger configured, a site whose runtime is unreachable would allow everything and say
 * nothing. This says it on the console: at the first fail-open, then at most once a minute with
 * the count since the last notice.
 */
export function failOpenNotice(now: () => number, warn: (message: string) => void) {
  let lastAt: number | undefined;
  let unreported = 0;
  return (reason: string) => {
    unreported++;
    const t = now();
    if (lastAt !== undefined && t - lastAt < NOTICE_INTERVAL_MS) return;
    const first = lastAt === undefined;
    lastAt = t;
    const count = unreported;
    unreported = 0;
    warn(
      first
        ? `esper: failing open: no decision from the runtime (${reason}); requests are allowed unchecked. Pass a logger to see each failure.`
        : `esper: failed open ${count} times in the last minute (latest: ${reason}).`,
    );
  };
}
