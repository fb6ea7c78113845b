/** Shared by the hybrid tests: signed calls to the snapshot and events endpoints. */
import { createSigner } from '@esper/core';
import { EVENTS_PATH, SNAPSHOT_PATH } from '../hybrid/hybrid-routes.js';
import { WEB_KEY } from './tenant-calls.js';

export interface HybridCallOptions {
  key?: { apiKey: string; secret: string };
  /** The target sent; default the endpoint's path. */
  path?: string;
  /** The target signed, when it should differ from `path`. */
  signPath?: string;
  /** The method signed, when it should differ from the one sent. */
  signMethod?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  headers?: Record<string, string>;
}

async function signed(method: string, body: string, path: string, opts: HybridCallOptions) {
  const key = opts.key ?? WEB_KEY;
  const sign = await createSigner(key.apiKey, key.secret);
  return sign(
    opts.signMethod ?? method,
    opts.signPath ?? path,
    body,
    opts.timestamp ?? Math.floor(Date.now() / 1000),
  );
}

export async function getSnapshot(url: string, opts: HybridCallOptions = {}): Promise<Response> {
  const path = opts.path ?? SNAPSHOT_PATH;
  const headers = await signed('GET', '', path, opts);
  return fetch(`${url}${path}`, { headers: { ...headers, ...opts.headers } });
}

export async function postEvents(
  url: string,
  body: unknown,
  opts: HybridCallOptions = {},
): Promise<Response> {
  const path = opts.path ?? EVENTS_PATH;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = await signed('POST', text, path, opts);
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...opts.headers },
    body: text,
  });
}

let sequence = 0;

/** A valid event with a unique id; `at`: observed_at in ms (default now). */
export function hybridEvent(changes: Record<string, unknown> = {}, at = Date.now()) {
  sequence += 1;
  return {
    event_id: `evt-${process.pid}-${sequence}-${Math.random().toString(36).slice(2)}`,
    observed_at: new Date(at).toISOString(),
    decision_id: `dec_local_${sequence}`,
    action: 'block',
    mode: 'live',
    policy_id: 'pol_foo_bar',
    mitigation_id: 'mit_block',
    request: { method: 'GET', path: '/', client_ip: '203.0.113.10' },
    latency_us: 180,
    ...changes,
  };
}
