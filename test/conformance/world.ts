/**
 * What every conformance scenario works with: the requests' shapes and tags, the column's
 * instances and server (`World`), and the checks both columns share.
 */
import type { Buffer } from 'node:buffer';
import { MITIGATION_PATH } from '@esper/runtime';
import type { MockRuntime } from '@esper/testing';
import { expect } from 'vitest';
import type { ConformanceOrigin, ConformanceRuntime } from './runtime.js';
import type { TargetInstance, TargetRequest } from './target.js';
import { TEST_KEY } from './tenant.js';

export const BROWSER = [
  ['accept', 'text/html,application/xhtml+xml'],
  ['user-agent', 'Mozilla/5.0 (conformance)'],
] as Array<[string, string]>;
export const API = [
  ['accept', 'application/json'],
  ['user-agent', 'conformance-api/1.0'],
] as Array<[string, string]>;
export const TIMEOUT_MS = 300;
/**
 * The runtime hangs forever, so an answer well inside this bound proves the call was aborted.
 * The slack is wide because vitest runs many files at once on a 2-core CI machine; the precise
 * bound (p99 under 1,000 concurrent hangs) is measured by `pnpm bench` (timeout.p99_ms).
 */
export const TIMEOUT_SLACK_MS = 400;

// Sent with every scenario's request: none of these values may ever reach the runtime (checked
// over every byte it received, in the last scenario). The names may.
const PRIVATE_HEADERS: Array<[string, string]> = [
  ['cookie', 'session=COOKIEVAL_s3ss10n; prefs=COOKIEVAL_pr3fs'],
  ['authorization', 'Bearer AUTHVAL_b34r3r'],
  ['proxy-authorization', 'Basic PROXYAUTHVAL_b4s1c'],
];
export const PRIVATE_VALUES = [
  TEST_KEY.secret,
  'COOKIEVAL_s3ss10n',
  'COOKIEVAL_pr3fs',
  'AUTHVAL_b34r3r',
  'PROXYAUTHVAL_b4s1c',
  // the per-request scenario "the secret, cookie and authorization values never reach the wire"
  'COOKIE_VALUE_123',
  'OTHER_VALUE_456',
  'AUTH_VALUE_789',
];

let seq = 0;
/** A number no other request of this process used (for unique user agents). */
export const nextSeq = () => seq++;
export function tagged(
  req: Omit<TargetRequest, 'platformIp'> & { platformIp?: string },
): TargetRequest & { id: string } {
  const id = `t${Date.now().toString(36)}${(seq++).toString(36)}`;
  return {
    ...req,
    id,
    platformIp: req.platformIp ?? '198.51.100.7',
    headers: [
      ...(req.headers ?? []),
      ...PRIVATE_HEADERS.filter(([name]) => !req.headers?.some(([n]) => n === name)),
      ['x-test-id', id],
    ],
  };
}

/** The runtime's record of the request with this tag. */
export function seen(runtime: MockRuntime, id: string) {
  return runtime.requests.filter(
    (r) =>
      (r.body as { request?: { headers?: Record<string, string> } } | undefined)?.request
        ?.headers?.['x-test-id'] === id,
  );
}

/** Marks a scenario run as an expected failure; run.mjs shows it as `limit`. */
export const LIMIT_SUFFIX = ' [platform limit]';
/** The describe title of a target's hybrid column: `<target> [hybrid]`. */
export const HYBRID_SUFFIX = ' [hybrid]';
/** A scenario that cannot apply in a column is skipped as `<title> [n/a: <reason>]`. */
export const NA_PREFIX = ' [n/a: ';
/** The hybrid decider's poll interval: short, so the sync scenarios take little time. */
export const POLL_MS = 300;

export type Column = 'cloud' | 'hybrid';

/** The live instance and its runtime, for checks only one platform has (see `runConformance`). */
export interface ConformanceContext {
  runtime(): ConformanceRuntime;
  live(): TargetInstance;
}

/** What a scenario works with: the column's instances and the server behind them. */
export interface World {
  column: Column;
  live: TargetInstance;
  monitor: TargetInstance;
  /** The cloud column's scripted mock runtime (unset in the hybrid column). */
  runtime?: ConformanceRuntime;
  /** The hybrid column's real origin (unset in the cloud column). */
  origin?: ConformanceOrigin;
  /** Every byte the adapters sent to the server, whichever it is. */
  wire(): Buffer;
}

/** How many mitigation calls crossed the wire: a decision made in process makes none. */
export function mitigationCalls(world: World): number {
  return world.wire().toString('latin1').split(`POST ${MITIGATION_PATH} `).length - 1;
}

/**
 * Checks that the answer was decided by the column's decider: in hybrid, the local decider
 * (its ids are `dec_hyb_…`) with no mitigation call ever made.
 */
export function expectDecidedBy(world: World, decisionId: string | null | undefined) {
  if (world.column === 'cloud') {
    expect(decisionId).toMatch(/.+/);
    return;
  }
  expect(decisionId).toMatch(/^dec_hyb_/);
  expect(mitigationCalls(world)).toBe(0);
}

export type Body = (world: World) => Promise<void>;
/** A scenario's test in each column, or why it cannot apply there (`na`: the reason). */
export type PerColumn = Partial<Record<Column, Body | { na: string }>>;

/** Polls `check` every 50 ms until it holds; throws after `limitMs`. */
export async function until(check: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
