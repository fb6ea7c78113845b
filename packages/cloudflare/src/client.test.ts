import { EsperConfigError } from '@esper/core';
import { describe, expect, it, vi } from 'vitest';
import { clientCache } from './client.js';

const env = () => ({
  ESPER_API_KEY: 'key_1',
  ESPER_API_SECRET: 'secret_value_1',
  ESPER_TIMEOUT_MS: 250,
  KV: { get() {} },
  OTHER: 'not ours',
});

describe('clientCache', () => {
  it('creates one client per env object', () => {
    const clientFor = clientCache(undefined);
    const a = env();
    const b = env();
    const first = clientFor(a);
    expect(first).not.toBeInstanceOf(Error);
    expect(clientFor(a)).toBe(first);
    expect(clientFor(b)).not.toBe(first);
  });

  it('calls an options function once per env, with that env', () => {
    const options = vi.fn((e: { ESPER_API_KEY: string }) => ({ apiKey: `${e.ESPER_API_KEY}_x` }));
    const clientFor = clientCache(options);
    const a = env();
    clientFor(a);
    clientFor(a);
    expect(options).toHaveBeenCalledTimes(1);
    expect(options).toHaveBeenCalledWith(a);
  });

  it('keeps a configuration error and returns it on every request', () => {
    const options = vi.fn(() => ({}));
    const clientFor = clientCache(options);
    const broken = { ESPER_API_KEY: 'key_1', ESPER_API_SECRET: 's3cr3t', ESPER_MODE: 'loud' };
    const err = clientFor(broken);
    expect(err).toBeInstanceOf(EsperConfigError);
    expect((err as Error).message).toMatch(/mode/);
    expect((err as Error).message).not.toContain('s3cr3t');
    expect(clientFor(broken)).toBe(err);
    expect(options).toHaveBeenCalledTimes(1);
  });

  it('turns a throwing options function into a kept error', () => {
    const clientFor = clientCache(() => {
      throw new Error('boom');
    });
    const result = clientFor(env());
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toBe('boom');
  });
});
