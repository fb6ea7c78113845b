/**
 * Challenges waiting to be solved, by decision id. Each remembers the client as the runtime
 * saw it in the decision (the clearance is bound to that), where to return, and its random
 * seed for the proof of work. Bounded, expiring and single-use.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PendingChallenge {
  decisionId: string;
  tenantId: string;
  clientIp?: string | undefined;
  userAgent?: string | undefined;
  /** The `return_url` of the decision's body, used when the page is opened without one. */
  returnUrl: string;
  /** Hex; the browser must find a nonce with SHA-256(seed || nonce) under the difficulty. */
  seed: string;
  difficulty: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export class ChallengeStore {
  private readonly pending = new Map<string, PendingChallenge>();
  /** Solved challenges until they would have expired (expiry in ms): a ticket cannot revive one. */
  private readonly used = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  add(init: Omit<PendingChallenge, 'seed'>): PendingChallenge {
    const challenge = { ...init, seed: randomBytes(16).toString('hex') };
    this.pending.set(challenge.decisionId, challenge);
    // A Map iterates in insertion order: drop the oldest past the bound.
    for (const id of this.pending.keys()) {
      if (this.pending.size <= this.maxEntries) break;
      this.pending.delete(id);
    }
    return challenge;
  }

  /** The live challenge, or undefined when unknown or expired. */
  get(decisionId: string, nowMs: number): PendingChallenge | undefined {
    const challenge = this.pending.get(decisionId);
    if (challenge && challenge.expiresAt <= nowMs) {
      this.pending.delete(decisionId);
      return undefined;
    }
    return challenge;
  }

  /**
   * Used once: a solution cannot be replayed for a second token. Returns false when the
   * challenge was already consumed, so only one caller ever wins it.
   */
  consume(decisionId: string): boolean {
    const challenge = this.pending.get(decisionId);
    if (!challenge) return false;
    this.pending.delete(decisionId);
    this.used.set(decisionId, challenge.expiresAt);
    for (const id of this.used.keys()) {
      if (this.used.size <= this.maxEntries) break;
      this.used.delete(id);
    }
    return true;
  }

  /** Whether `decisionId` is pending, or was solved and has not expired yet. */
  known(decisionId: string, nowMs: number): boolean {
    if (this.get(decisionId, nowMs)) return true;
    const expiresAt = this.used.get(decisionId);
    if (expiresAt === undefined) return false;
    if (expiresAt > nowMs) return true;
    this.used.delete(decisionId);
    return false;
  }

  get size(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
    this.used.clear();
  }
}

/** Leading zero bits of a hash. */
export function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

const NONCE = /^[0-9]{1,16}$/;

/** Whether SHA-256(seed || nonce) has at least `difficulty` leading zero bits. */
export async function checkProofOfWork(
  seed: string,
  nonce: string,
  difficulty: number,
): Promise<boolean> {
  if (!NONCE.test(nonce)) return false;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(seed + nonce));
  return leadingZeroBits(new Uint8Array(digest)) >= difficulty;
}

/**
 * The same check, synchronous, for the verify route: with no await between looking a challenge
 * up and consuming it, two concurrent verifications cannot both see it unused.
 */
export function checkProofOfWorkSync(seed: string, nonce: string, difficulty: number): boolean {
  if (!NONCE.test(nonce)) return false;
  return (
    leadingZeroBits(
      createHash('sha256')
        .update(seed + nonce)
        .digest(),
    ) >= difficulty
  );
}

/** What the page's script does, for tests and clients without a browser. */
export async function solveProofOfWork(seed: string, difficulty: number): Promise<string> {
  for (let n = 0; ; n++) {
    if (await checkProofOfWork(seed, String(n), difficulty)) return String(n);
  }
}
