import { type MockRuntime, startMockRuntime } from '@esper/testing';

export const TEST_KEY = {
  apiKey: 'conformance_key',
  secret: 'conformance_secret_0123456789abcdef',
  sourceId: 'conformance',
};

const cookiesAnswer = {
  action: 'allow' as const,
  response_headers: [
    ['set-cookie', 'rt_a=1; Path=/; HttpOnly'],
    ['set-cookie', 'rt_b=2; Path=/; HttpOnly'],
  ] as Array<[string, string]>,
  upstream_headers: [['x-upstream-test', 'from-runtime']] as Array<[string, string]>,
};

/** One runtime answers every scenario, by path, so targets in other processes need no scripting. */
export function startConformanceRuntime(): Promise<MockRuntime> {
  return startMockRuntime({
    keys: [TEST_KEY],
    answers: [
      { match: { path: '/block' }, answer: { action: 'block', policy_id: 'pol_block' } },
      {
        match: { path: '/challenge' },
        answer: { action: 'challenge', policy_id: 'pol_challenge' },
      },
      { match: { path: '/slow' }, answer: { fault: 'hang' } },
      { match: { path: /^\/checkout\// }, answer: { fault: 'hang' } },
      { match: { path: '/cookies' }, answer: cookiesAnswer },
      {
        match: { path: /^\/cached\// },
        answer: { action: 'block', ttl_seconds: 60, policy_id: 'pol_cached' },
      },
    ],
  });
}
