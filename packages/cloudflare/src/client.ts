import type { EsperOptions } from '@esper/core';
import { adapterOptions, clientPerEnv } from '@esper/core/adapter';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `createEsper` options minus what the adapter sets itself. */
export type CloudflareEsperOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;
export type OptionsInput<Env> = CloudflareEsperOptions | ((env: Env) => CloudflareEsperOptions);

/** One client per `env` (see `clientPerEnv`), configured from the options and `ESPER_*` bindings. */
export function clientCache<Env>(options: OptionsInput<Env> | undefined) {
  return clientPerEnv((env: Env): EsperOptions => {
    const resolved = (typeof options === 'function' ? options(env) : options) ?? {};
    const bindings = (typeof env === 'object' && env !== null ? env : {}) as Record<
      string,
      unknown
    >;
    // Core reads only the ESPER_* plain values of the bindings.
    return adapterOptions(
      { env: bindings, ...resolved },
      {
        preset: 'cloudflare',
        runtime: 'cloudflare-workers',
        sdk: { name: SDK_NAME, version: SDK_VERSION },
      },
    );
  });
}
