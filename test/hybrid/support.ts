/**
 * Scaffolding of the hybrid end-to-end tests: a clock every party shares, cloud and hybrid
 * `createEsper` clients, the demo's traffic (scripts/demo/traffic.mjs) as Fetch requests, and
 * the runtime's admin and hybrid endpoints over HTTP.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEsper, createSigner, type Decision, type Esper } from '@esper/core';
import { createHybrid, type Hybrid, type HybridOptions } from '@esper/hybrid';
import {
  QUICKSTART_TENANT,
  type RuntimeServer,
  SNAPSHOT_PATH,
  startRuntime,
  type TenantDefinition,
  type TenantResults,
} from '@esper/runtime';
import { recordingLogger, until } from '../../packages/hybrid/src/test-support/helpers.js';

export const QS_KEY = QUICKSTART_TENANT.api_keys[0]!;

/** A clock in milliseconds that moves only when told: runtime, core and hybrid read the same one. */
export class ManualClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Real time shifted by `offsetMs` (an edge whose clock is off, or a jump forward in time). */
export class OffsetClock {
  constructor(public offsetMs = 0) {}
  readonly now = (): number => Date.now() + this.offsetMs;
}

export type { LogLine } from '../../packages/hybrid/src/test-support/helpers.js';
export { recordingLogger, until };

export interface Key {
  apiKey: string;
  secret: string;
}

/** A cloud-mode client: every decision is a signed call to `apiBase`. */
export function cloudEsper(apiBase: string, key: Key, now?: () => number): Esper {
  return createEsper({
    apiKey: key.apiKey,
    secret: key.secret,
    apiBase,
    env: {},
    now,
    logger: recordingLogger(),
    timeoutMs: 5000,
  });
}

/** A hybrid client synced from `apiBase`, with the client that decides through it. */
export function hybridEsper(
  apiBase: string,
  key: Key,
  options: Partial<HybridOptions> & { coreNow?: () => number } = {},
): { hybrid: Hybrid; esper: Esper } {
  const { coreNow, ...rest } = options;
  const hybrid = createHybrid({
    apiKey: key.apiKey,
    secret: key.secret,
    apiBase,
    logger: recordingLogger(),
    ...rest,
  });
  const esper = createEsper({
    apiKey: key.apiKey,
    secret: key.secret,
    env: {},
    now: coreNow ?? rest.now,
    logger: recordingLogger(),
    decider: hybrid.decider,
    timeoutMs: 5000,
    // A hybrid client makes no runtime call; one landing here is a failure of the test.
    fetch: async (input) => {
      throw new Error(`hybrid client called the runtime: ${String(input)}`);
    },
  });
  return { hybrid, esper };
}

// ---------------------------------------------------------------------------------------------
// The demo's traffic.

export interface DemoRequest {
  id: string;
  role: string;
  expect: 'allow' | 'challenge' | 'block' | 'any';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  ip: string;
  spoof?: string;
}

interface TrafficModule {
  planFor(
    adapterName: string,
    index: number,
    place: number,
  ): Record<'scraper' | 'browsing' | 'fooBar' | 'stuffing', DemoRequest[]>;
}

let trafficModule: Promise<TrafficModule> | undefined;

/** scripts/demo/traffic.mjs, the demo's own mixes (imported, not copied, so they cannot drift). */
export function demoTraffic(): Promise<TrafficModule> {
  const url = pathToFileURL(resolve(import.meta.dirname, '../../scripts/demo/traffic.mjs')).href;
  trafficModule ??= import(/* @vite-ignore */ url) as Promise<TrafficModule>;
  return trafficModule;
}

export const DEMO_ADAPTERS = ['express', 'hono', 'lambda', 'cloudflare', 'vercel'] as const;

/**
 * The demo's run for the adapters at `indexes`: the scrapers first (the share policy needs
 * them to stand out), then browsing, `?foo=bar` and the login burst, each phase adapter by
 * adapter, as scripts/demo.mjs sends them.
 */
export async function demoRun(indexes: readonly number[]): Promise<DemoRequest[]> {
  const { planFor } = await demoTraffic();
  const plans = indexes.map((index, place) => planFor(DEMO_ADAPTERS[index]!, index, place));
  const out: DemoRequest[] = [];
  for (const phase of ['scraper', 'browsing', 'fooBar', 'stuffing'] as const) {
    for (const plan of plans) out.push(...plan[phase]);
  }
  return out;
}

/** The request as the platform hands it to the SDK, and what the platform vouches for. */
export function toFetch(r: DemoRequest): [Request, { remoteAddress: string }] {
  const headers = new Headers(r.headers);
  if (r.spoof) headers.set('x-forwarded-for', r.spoof);
  const request = new Request(`http://app.test${r.path}`, {
    method: r.method,
    headers,
    ...(r.body !== undefined && { body: r.body }),
  });
  return [request, { remoteAddress: r.ip }];
}

/** What must agree between the modes for one request. */
export function verdict(d: Decision) {
  return {
    action: d.action,
    mode: d.mode,
    enforced: d.enforced,
    policyId: d.policyId,
    mitigationId: d.mitigationId,
    message: d.message,
    ttlSeconds: d.ttlSeconds,
  };
}

// ---------------------------------------------------------------------------------------------
// The runtime over HTTP.

export async function admin(
  server: RuntimeServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function resultsOf(server: RuntimeServer, tenantId: string): Promise<TenantResults> {
  const response = await admin(server, 'GET', `/tenants/${tenantId}/results`);
  if (response.status !== 200) throw new Error(`results: HTTP ${response.status}`);
  return (await response.json()) as TenantResults;
}

/** The snapshot origin serves for `key` (what a user would bundle as `bootstrap`). */
export async function fetchSnapshot(url: string, key: Key): Promise<Record<string, unknown>> {
  const sign = await createSigner(key.apiKey, key.secret);
  const headers = await sign('GET', SNAPSHOT_PATH, '', Math.floor(Date.now() / 1000));
  const response = await fetch(url + SNAPSHOT_PATH, { headers });
  if (response.status !== 200) throw new Error(`snapshot: HTTP ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

export function startTenant(
  tenant: TenantDefinition,
  now?: () => number,
  port?: number,
): Promise<RuntimeServer> {
  return startRuntime({ tenants: [tenant], now, port });
}
