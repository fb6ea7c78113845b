type Globals = {
  EdgeRuntime?: unknown;
  navigator?: { userAgent?: string };
  process?: { versions?: { node?: string; bun?: string } };
  Deno?: unknown;
};

/** Whether this is a Cloudflare Workers isolate (workerd), by the user agent it sets. */
export function onWorkers(): boolean {
  return (globalThis as Globals).navigator?.userAgent === 'Cloudflare-Workers';
}

/** The runtime name reported in `source.runtime` when an adapter does not set one. */
export function detectRuntime(): string {
  const g = globalThis as Globals;
  if (typeof g.EdgeRuntime === 'string') return 'edge-runtime';
  if (onWorkers()) return 'cloudflare-workers';
  if (g.Deno) return 'deno';
  if (g.process?.versions?.bun) return 'bun';
  if (g.process?.versions?.node) return 'node';
  return 'web';
}
