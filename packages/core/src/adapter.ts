/**
 * `@esper/core/adapter`: what every platform adapter needs besides the client, written once.
 * Application code does not need this entry.
 */
import { createEsper, type Esper } from './client.js';
import type { ClientIpOptions, ClientIpPreset } from './client-ip.js';
import type { EsperOptions } from './config.js';

export { cloudflareGeo } from './cloudflare-geo.js';
export { detectRuntime, onWorkers } from './platform.js';
export { decisionRequest, safeHost } from './request.js';
export { ESPER_HEADER_PREFIX, isEsperHeader } from './respond.js';

/**
 * The user's client-IP options with the platform's preset kept unless the user names one.
 * Merged, not replaced: `{ trustedProxies }` alone, or an explicit `preset: undefined`, must
 * not drop the platform's preset (on Workers, `cf-connecting-ip` would be ignored and no
 * request would have a client IP).
 */
export function withPlatformPreset(
  clientIp: ClientIpOptions | undefined,
  preset: ClientIpPreset,
): ClientIpOptions {
  return { ...clientIp, preset: clientIp?.preset ?? preset };
}

/** What an adapter sets on core's options: who it is, and its platform's defaults. */
export interface AdapterDefaults {
  sdk: { name: string; version: string };
  preset: ClientIpPreset;
  runtime?: string;
  routing?: EsperOptions['routing'];
}

/** The user's options with the adapter's defaults applied the one way every adapter applies them. */
export function adapterOptions(options: EsperOptions, defaults: AdapterDefaults): EsperOptions {
  const merged: EsperOptions = {
    ...options,
    clientIp: withPlatformPreset(options.clientIp, defaults.preset),
    sdk: defaults.sdk,
  };
  if (defaults.runtime !== undefined) merged.runtime = defaults.runtime;
  if (defaults.routing !== undefined) merged.routing = { ...defaults.routing, ...options.routing };
  return merged;
}

/**
 * One client per platform `env` object. Workers hand the same `env` to every request of an
 * isolate, so the signing key is imported and the decision cache filled once. A configuration
 * error is kept too, so a broken deployment fails the same way on every request instead of
 * retrying: answer it with `misconfiguredResponse`.
 */
export function clientPerEnv<Env>(make: (env: Env) => EsperOptions): (env: Env) => Esper | Error {
  const clients = new WeakMap<object, Esper | Error>();
  const noEnv = {};
  return (env) => {
    const key = typeof env === 'object' && env !== null ? env : noEnv;
    let client = clients.get(key);
    if (!client) {
      try {
        client = createEsper(make(env));
      } catch (err) {
        client = err instanceof Error ? err : new Error(String(err));
        // Once per env: the message names the bad option, never a secret's value.
        globalThis.console?.error(`esper: not protecting requests: ${client.message}`);
      }
      clients.set(key, client);
    }
    return client;
  };
}

/** The answer while the configuration is bad: a 500 that says where to look, and no more. */
export function misconfiguredResponse(): Response {
  return new Response('Internal Server Error: Esper is misconfigured; see the logs.', {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}
