import { describe, expect, it } from 'vitest';
import { CallAbort } from './call-abort.js';

describe('CallAbort', () => {
  it('calls each listener once on abort, not those removed', () => {
    const call = new CallAbort();
    const seen: string[] = [];
    const removed = () => seen.push('removed');
    call.once('abort', () => seen.push('a'));
    call.on('abort', removed);
    call.on('abort', () => seen.push('b'));
    call.removeListener('abort', removed);
    call.abort();
    call.abort();
    expect(seen).toEqual(['a', 'b']);
    expect(call.aborted).toBe(true);
  });

  it('creates an AbortSignal only when one is read, aborted with the call either way', () => {
    const before = new CallAbort();
    const signal = before.signal;
    expect(signal.aborted).toBe(false);
    before.abort();
    expect(signal.aborted).toBe(true);
    const after = new CallAbort();
    after.abort();
    expect(after.signal.aborted).toBe(true);
  });

  it('a listener added after the abort runs at once', () => {
    const call = new CallAbort();
    call.abort();
    let ran = false;
    call.once('abort', () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});
