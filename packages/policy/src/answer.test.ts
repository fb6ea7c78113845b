import { describe, expect, it } from 'vitest';
import { type AnswerRequestBody, buildAnswer, clearanceWaives } from './answer.js';
import type { Decision } from './evaluate.js';

const NOW = 1_700_000_000_000;
const NOW_S = NOW / 1000;

function decision(extra: Partial<Decision>): Decision {
  return {
    action: 'allow',
    mode: 'live',
    outcome: 'Allow',
    policy_id: null,
    mitigation_id: null,
    matched_actions: [],
    reason: 'no policy matched',
    matches: [],
    cache_scope: 'client',
    ...extra,
  };
}

const challenge = decision({
  action: 'challenge',
  outcome: 'Challenge',
  policy_id: 'pol_login_burst',
  mitigation_id: 'mit_challenge',
  reason: 'policy pol_login_burst matched',
  cache_scope: 'request',
});
const block = decision({
  action: 'block',
  outcome: 'Block',
  policy_id: 'pol_foo_bar',
  mitigation_id: 'mit_block',
  reason: 'policy pol_foo_bar matched',
  cache_scope: 'request',
});
const monitor = decision({
  action: 'allow',
  mode: 'monitor',
  outcome: 'Observe',
  would_action: 'block',
  policy_id: 'pol_watch',
  mitigation_id: 'mit_monitor',
  reason: 'policy pol_watch matched (monitor)',
});

const https: AnswerRequestBody = { request: { scheme: 'https' } };
const clearance = { name: 'esper_clearance', token: 'tok.abc', expiresAt: NOW_S + 600 };
const base = { decisionId: 'dec_1', nowMs: NOW };

describe('buildAnswer', () => {
  it('gives every v1 field, with the TTL of the action and the scope of the decision', () => {
    const answer = buildAnswer(decision({}), https, {
      ...base,
      ttlSeconds: { allow: 30, block: 60 },
    });
    expect(answer).toEqual({
      decision_id: 'dec_1',
      action: 'allow',
      mode: 'live',
      policy_id: null,
      mitigation_id: null,
      reason: 'no policy matched',
      ttl_seconds: 30,
      cache_scope: 'client',
      challenge: null,
      response_headers: [],
      upstream_headers: [],
    });
    expect(buildAnswer(block, https, { ...base, ttlSeconds: { block: 60 } }).ttl_seconds).toBe(60);
    expect(buildAnswer(block, https, base).ttl_seconds).toBe(0);
  });

  it('names the rule when a rule decided', () => {
    const byRule = decision({ action: 'block', outcome: 'Block', rule_id: 'r_1', reason: 'rule' });
    expect(buildAnswer(byRule, https, base).policy_id).toBe('r_1');
  });

  it('answers monitor decisions with what would have happened, never cached', () => {
    const answer = buildAnswer(monitor, https, { ...base, ttlSeconds: { block: 60 } });
    expect(answer).toMatchObject({ action: 'block', mode: 'monitor', ttl_seconds: 0 });
    const silent = decision({ mode: 'monitor', outcome: 'Observe' });
    expect(buildAnswer(silent, https, base).action).toBe('allow');
  });

  it('leaves the challenge page to the caller unless given, and never caches a challenge', () => {
    const runtime = buildAnswer(challenge, https, { ...base, ttlSeconds: { allow: 60 } });
    expect(runtime.action).toBe('challenge');
    expect(runtime.ttl_seconds).toBe(0);
    expect('challenge' in runtime).toBe(false);
    const local = buildAnswer(challenge, https, { ...base, challengeUrl: 'https://e.test/c?d=1' });
    expect(local.challenge).toEqual({ url: 'https://e.test/c?d=1' });
  });

  it('waives a live challenge for a valid clearance, per request, and sets the cookie', () => {
    const answer = buildAnswer(challenge, https, { ...base, clearance });
    expect(answer.action).toBe('allow');
    expect(answer.cache_scope).toBe('request');
    expect(answer.reason).toBe('clearance valid; waived: policy pol_login_burst matched');
    expect(answer.response_headers).toEqual([
      [
        'set-cookie',
        'esper_clearance=tok.abc; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure',
      ],
    ]);
  });

  it('never waives a block or a monitor decision', () => {
    expect(buildAnswer(block, https, { ...base, clearance }).action).toBe('block');
    expect(buildAnswer(monitor, https, { ...base, clearance }).action).toBe('block');
    expect(clearanceWaives(challenge, false)).toBe(false);
    expect(clearanceWaives({ ...challenge, mode: 'monitor' }, true)).toBe(false);
  });

  it('sets the cookie only when the token is not a cookie yet or came in the URL', () => {
    const asCookie: AnswerRequestBody = {
      request: { scheme: 'http', redacted_headers: { cookie: { names: ['esper_clearance'] } } },
    };
    expect(buildAnswer(decision({}), asCookie, { ...base, clearance }).response_headers).toEqual(
      [],
    );
    const back: AnswerRequestBody = {
      request: { ...asCookie.request, query: 'a=1&esper_clearance=tok.abc' },
    };
    const headers = buildAnswer(decision({}), back, { ...base, clearance }).response_headers;
    // Over http, no Secure attribute; an expired token gets Max-Age=0.
    expect(headers).toEqual([
      ['set-cookie', 'esper_clearance=tok.abc; Max-Age=600; Path=/; HttpOnly; SameSite=Lax'],
    ]);
    const late = buildAnswer(decision({}), back, { ...base, nowMs: NOW + 700_000, clearance });
    expect(late.response_headers[0]?.[1]).toContain('Max-Age=0;');
  });

  it('says why a clearance was refused', () => {
    const answer = buildAnswer(challenge, https, { ...base, clearanceRefused: 'expired' });
    expect(answer.action).toBe('challenge');
    expect(answer.reason).toBe('policy pol_login_burst matched; clearance refused (expired)');
  });
});
