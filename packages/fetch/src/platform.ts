/**
 * What each fetch-handler runtime hands the handler besides the request, read structurally
 * (no runtime's types or modules imported: this file runs on all of them).
 */

import { safeHost } from '@esper/core/adapter';

type Args = readonly unknown[];
type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/**
 * The socket peer the runtime vouches for: Bun's `server.requestIP(request)` (the Server is
 * the handler's second argument), Deno's `info.remoteAddr.hostname`. Never a header.
 */
export function socketPeer(request: Request, args: Args): string | undefined {
  const second = args[0];
  if (!isObject(second)) return undefined;
  try {
    if (typeof second.requestIP === 'function') {
      const ip = (second.requestIP as (r: Request) => { address?: unknown } | null)(request);
      return typeof ip?.address === 'string' ? ip.address : undefined;
    }
    const remote = second.remoteAddr;
    if (isObject(remote) && typeof remote.hostname === 'string') return remote.hostname;
  } catch {}
  return undefined;
}

/**
 * The URL a request is decided on and handed on with: the request's own, parsed, without a
 * fragment; undefined when it cannot stand for one path. Deno puts the client's Host and the
 * raw request target side by side in `request.url` (`http://a#/admin`, `http://h/x/../admin`),
 * so a string router (Hono's `getPath`) and the URL parser would read different paths: a Host
 * that could move the path is refused, and the handler gets the parsed URL.
 */
export function decidedUrl(raw: string): URL | undefined {
  const authority = /^https?:\/\/([^/]*)/i.exec(raw)?.[1];
  if (authority === undefined || !safeHost(authority)) return undefined;
  try {
    const url = new URL(raw);
    url.hash = '';
    return url;
  } catch {
    return undefined;
  }
}

/** The first argument with a `waitUntil` method (a Workers-style `ctx`), called as a method. */
export function platformWaitUntil(args: Args): ((p: Promise<unknown>) => void) | undefined {
  for (const arg of args) {
    if (isObject(arg) && typeof arg.waitUntil === 'function') {
      return (p) => (arg.waitUntil as (p: Promise<unknown>) => void).call(arg, p);
    }
  }
  return undefined;
}

/**
 * Bun's Server (or anything whose methods take the request: `requestIP`, `upgrade`,
 * `timeout`) as the handler sees it: given the request the handler got, its methods act on the
 * one the runtime made, which alone it knows. Other values are handed on as they are.
 */
export function serverFor<T>(value: T, handed: Request, original: Request): T {
  if (!isObject(value) || typeof value.requestIP !== 'function') return value;
  return new Proxy(value, {
    get(target, key) {
      const member = Reflect.get(target, key, target);
      if (typeof member !== 'function') return member;
      return (...a: unknown[]) =>
        (member as (...a: unknown[]) => unknown).apply(
          target,
          a.map((x) => (x === handed ? original : x)),
        );
    },
  });
}

const ENV_NAMES = [
  'ESPER_API_KEY',
  'ESPER_API_SECRET',
  'ESPER_API_BASE',
  'ESPER_MODE',
  'ESPER_TIMEOUT_MS',
  'ESPER_FAIL_MODE',
  'ESPER_TRUSTED_PROXIES',
  'ESPER_CHALLENGE_ORIGINS',
];

type DenoEnv = {
  env: { get(name: string): string | undefined };
  permissions?: { querySync?(d: { name: 'env'; variable: string }): { state: string } };
};

/**
 * Deno's `ESPER_*` variables: only those it lets this process read (`--allow-env`, or
 * `--allow-env=ESPER_API_KEY,…`), asked without a permission prompt. Undefined elsewhere:
 * core then reads `process.env` (Node, Bun).
 */
export function denoEnv(): Record<string, string> | undefined {
  const deno = (globalThis as { Deno?: DenoEnv }).Deno;
  if (!deno?.env) return undefined;
  const vars: Record<string, string> = {};
  for (const name of ENV_NAMES) {
    try {
      const state = deno.permissions?.querySync?.({ name: 'env', variable: name }).state;
      if (state !== undefined && state !== 'granted') continue;
      const value = deno.env.get(name);
      if (value !== undefined) vars[name] = value;
    } catch {}
  }
  return vars;
}
