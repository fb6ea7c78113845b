/** The longest the client stops calling a runtime that answered 429, whatever it asked for. */
export const MAX_BACKOFF_MS = 10_000;
const FIRST_BACKOFF_MS = 1000;

/**
 * Backing off from a runtime that answered 429. Each 429 waits `Retry-After` (or 1 s, doubling
 * for each 429 in a row), capped at 10 s and jittered to 50–100 % so a fleet of instances does
 * not return at the same moment. Backing off only ever concerns routes that fail open: the
 * client keeps asking for fail-closed routes, which would otherwise be blocked for the whole
 * wait.
 */
export class Backoff {
  private until = 0;
  private streak = 0;

  constructor(
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  active(): boolean {
    return this.until !== 0 && this.now() < this.until;
  }

  /** A 429 came back, with its `Retry-After` value. */
  rateLimited(retryAfter: string | null) {
    this.streak++;
    const t = this.now();
    const asked = retryAfterMs(retryAfter, t);
    const wait = Math.min(
      asked ?? FIRST_BACKOFF_MS * 2 ** Math.min(this.streak - 1, 10),
      MAX_BACKOFF_MS,
    );
    this.until = t + wait * (0.5 + this.random() * 0.5);
  }

  /** Any other answer ends the streak. */
  answered() {
    this.streak = 0;
  }
}

function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.max(ms, 0) : undefined;
}
