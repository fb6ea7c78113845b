import { createEsper, type Esper, type EsperOptions } from '@esper/core';
import { VERSION } from './version.js';

/** `createEsper` options minus what the adapter sets itself. */
export type CloudflareEsperOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;
export type OptionsInput<Env> = CloudflareEsperOptions | ((env: Env) => CloudflareEsperOptions);

/**
 * One client per `env` object: Workers hand the same `env` to every request of an isolate, so
 * the signing key is imported and the decision cache filled once. A configuration error is
 * kept too, so a broken deployment fails the same way on every request instead of retrying.
 */
export function clientCache<Env>(options: OptionsInput<Env> | undefined) {
  const clients = new WeakMap<object, Esper | Error>();
  const noEnv = {};
  return (env: Env): Esper | Error => {
    const key = typeof env === 'object' && env !== null ? env : noEnv;
    let client = clients.get(key);
    if (!client) {
      try {
        const resolved = (typeof options === 'function' ? options(env) : options) ?? {};
        client = createEsper({
          // Core reads only the ESPER_* plain values of the bindings.
          env: (typeof env === 'object' && env !== null ? env : {}) as Record<string, unknown>,
          ...resolved,
          // Merged, not replaced: `{ trustedProxies }` alone must not drop the preset, or
          // cf-connecting-ip would be ignored and no request would have a client IP.
          clientIp: { ...resolved.clientIp, preset: resolved.clientIp?.preset ?? 'cloudflare' },
          runtime: 'cloudflare-workers',
          sdk: { name: '@esper/cloudflare', version: VERSION },
        });
      } catch (err) {
        client = err instanceof Error ? err : new Error(String(err));
      }
      clients.set(key, client);
    }
    return client;
  };
}
