/**
 * The runtime side of every example's test (examples/*\/test): a real mock runtime scripted by
 * the example's esper-mock.json (/ allowed, /login challenged, /admin and /?foo=bar blocked),
 * the ESPER_* settings that point the example at it, and the checks on what it was asked and
 * what it answered.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_TEST_KEY,
  type MockRuntime,
  type StartMockRuntimeOptions,
  startMockRuntime,
} from '@esper/testing';
import { expect, vi } from 'vitest';

/** What the checks read of a response: a fetch Response, or miniflare's. */
export interface ExampleResponse {
  status: number;
  headers: { get(name: string): string | null };
}

/**
 * The mock runtime for the example in examples/<example>/: `start()` it in beforeAll and
 * `close()` it in afterAll; the rest reads what it recorded.
 */
export function exampleRuntime(example: string) {
  const config = fileURLToPath(
    new URL(`../../examples/${example}/esper-mock.json`, import.meta.url),
  );
  let running: MockRuntime | undefined;
  const mock = () => {
    if (!running) throw new Error(`the mock runtime of examples/${example} is not started`);
    return running;
  };
  const lastCall = () => mock().requests.at(-1);
  const lastDecisionId = () =>
    (JSON.parse(lastCall()?.response?.body ?? '{}') as { decision_id?: string }).decision_id;
  /** Where a challenged browser is sent: the runtime's challenge page. */
  const challengePage = () => new RegExp(`^${mock().url}/challenge\\?`);
  /** The settings every example reads from its environment (or its bindings). */
  const env = () => ({
    ESPER_API_BASE: mock().url,
    ESPER_API_KEY: DEFAULT_TEST_KEY.apiKey,
    ESPER_API_SECRET: DEFAULT_TEST_KEY.secret,
    // The examples' 300 ms budget is for production; a loaded CI machine's first request (cold
    // process) can take longer, and would then fail open instead of being decided.
    ESPER_TIMEOUT_MS: '10000',
  });

  return {
    async start() {
      const options = JSON.parse(readFileSync(config, 'utf8')) as StartMockRuntimeOptions;
      running = await startMockRuntime(options);
    },
    close: async () => running?.close(),
    env,
    /**
     * env() as this process's environment, for an example that reads it when its module loads
     * (a Lambda function, a Next.js middleware); undone by `vi.unstubAllEnvs()`.
     */
    stubEnv() {
      for (const [name, value] of Object.entries(env())) vi.stubEnv(name, value);
    },
    /** The last call the runtime received. */
    lastCall,
    /** The decision id the runtime sent for the last request it answered. */
    lastDecisionId,
    challengePage,
    /**
     * The last call was signed with the example's key, and its body holds `body` (the request
     * as the example saw it, and which SDK on which runtime sent it).
     */
    expectSignedCall(body: Record<string, unknown>) {
      expect(lastCall()?.verification).toMatchObject({ ok: true, keyId: DEFAULT_TEST_KEY.apiKey });
      expect(lastCall()?.body).toMatchObject(body);
    },
    /** A browser's challenge: a redirect to the challenge page, with the runtime's decision id. */
    expectChallengeRedirect(res: ExampleResponse) {
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(challengePage());
      expect(res.headers.get('x-esper-decision-id')).toBe(lastDecisionId());
    },
  };
}
