import { onWorkers } from '@esper/core/adapter';
import { describe, expect, it } from 'vitest';
import { defaultPreset, socketPeer } from './platform.js';

const request = new Request('http://localhost/');

describe('socketPeer', () => {
  it('reads @hono/node-server, Bun and Deno connection info', () => {
    expect(socketPeer({ incoming: { socket: { remoteAddress: '::1' } } }, request)).toBe('::1');
    const bun = { requestIP: (r: Request) => (r === request ? { address: '10.0.0.2' } : null) };
    expect(socketPeer(bun, request)).toBe('10.0.0.2');
    expect(socketPeer({ server: bun }, request)).toBe('10.0.0.2');
    expect(socketPeer({ remoteAddr: { hostname: '10.0.0.3' } }, request)).toBe('10.0.0.3');
  });

  it('is undefined when the runtime gives nothing (or throws)', () => {
    expect(socketPeer(undefined, request)).toBeUndefined();
    expect(socketPeer({ ESPER_API_KEY: 'k' }, request)).toBeUndefined();
    expect(socketPeer({ requestIP: () => null }, request)).toBeUndefined();
    const hostile = {
      get incoming(): never {
        throw new Error('nope');
      },
    };
    expect(socketPeer(hostile, request)).toBeUndefined();
  });
});

describe('defaults', () => {
  it('trusts cf-connecting-ip only on Workers', () => {
    expect(onWorkers()).toBe(false);
    expect(defaultPreset(true)).toBe('cloudflare');
    expect(defaultPreset(false)).toBe('direct');
  });
});
