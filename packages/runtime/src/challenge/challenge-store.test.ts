import { describe, expect, it } from 'vitest';
import {
  ChallengeStore,
  checkProofOfWork,
  leadingZeroBits,
  solveProofOfWork,
} from './challenge-store.js';

describe('proof of work', () => {
  it('counts leading zero bits', () => {
    expect(leadingZeroBits(new Uint8Array([0x80]))).toBe(0);
    expect(leadingZeroBits(new Uint8Array([0x01]))).toBe(7);
    expect(leadingZeroBits(new Uint8Array([0, 0, 0x10]))).toBe(19);
    expect(leadingZeroBits(new Uint8Array([0, 0]))).toBe(16);
  });

  it('accepts a solution and refuses others', async () => {
    const nonce = await solveProofOfWork('seed', 10);
    expect(await checkProofOfWork('seed', nonce, 10)).toBe(true);
    expect(await checkProofOfWork('other-seed', nonce, 10)).toBe(false);
    // Not digits: refused before hashing, whatever it hashes to.
    expect(await checkProofOfWork('seed', ` ${nonce}`, 0)).toBe(false);
    expect(await checkProofOfWork('seed', '', 0)).toBe(false);
  });
});

describe('ChallengeStore', () => {
  const init = (id: string, expiresAt = 10_000) => ({
    decisionId: id,
    tenantId: 't',
    returnUrl: 'https://app.example/',
    difficulty: 4,
    expiresAt,
  });

  it('expires, consumes once and stays bounded', () => {
    const store = new ChallengeStore(2);
    const a = store.add(init('a'));
    expect(a.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(store.get('a', 9_999)).toBe(a);
    expect(store.get('a', 10_000)).toBeUndefined();
    store.add(init('b'));
    store.consume('b');
    expect(store.get('b', 0)).toBeUndefined();
    for (const id of ['c', 'd', 'e']) store.add(init(id));
    expect(store.size).toBe(2);
    expect(store.get('c', 0)).toBeUndefined();
    expect(store.get('e', 0)).toBeDefined();
  });
});
