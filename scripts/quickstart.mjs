// The quick start: a local mock runtime and a few requests protected by @esper/core, each
// decision printed. `pnpm demo` runs the full multi-platform demo once examples exist.
import { createEsper } from '@esper/core';
import { DEFAULT_TEST_KEY, startMockRuntime } from '@esper/testing';

const runtime = await startMockRuntime({
  answers: [
    {
      match: { path: '/login', query: { foo: 'bar' } },
      answer: { action: 'block', policy_id: 'pol_foo_bar', reason: 'foo=bar is present' },
    },
    {
      match: { path: '/login', clientIp: '203.0.113.66' },
      answer: { action: 'challenge', policy_id: 'pol_login_burst' },
    },
    { match: { path: '/slow' }, answer: { fault: 'hang' } },
  ],
});
console.log(`mock runtime listening on ${runtime.url}\n`);

const esper = createEsper({
  apiKey: DEFAULT_TEST_KEY.apiKey,
  secret: DEFAULT_TEST_KEY.secret,
  apiBase: runtime.url,
  clientIp: { preset: 'direct' },
  fields: (request) => ({ email: request.headers.get('x-email') }),
  env: {},
});

const requests = [
  ['GET', '/articles/1', '198.51.100.1', 'text/html'],
  ['POST', '/login', '198.51.100.2', 'text/html'],
  ['POST', '/login', '203.0.113.66', 'text/html'],
  ['POST', '/login', '203.0.113.66', 'application/json'],
  ['GET', '/login?foo=bar', '198.51.100.3', 'application/json'],
  ['GET', '/styles/site.css', '198.51.100.4', 'text/css'],
  ['GET', '/slow', '198.51.100.5', 'text/html'],
];

const rows = [];
for (const [method, path, ip, accept] of requests) {
  const request = new Request(`https://shop.example${path}`, {
    method,
    headers: { accept, 'user-agent': 'quickstart/1.0', 'x-email': 'user@example.com' },
  });
  const decision = await esper.protect(request, { remoteAddress: ip });
  const response = await esper.respond(decision, request);
  rows.push({
    request: `${method} ${path}`,
    client: ip,
    action: decision.action,
    source: decision.source,
    reason: decision.reason,
    policy: decision.policyId ?? '',
    response: response
      ? `${response.status}${response.headers.get('location') ? ' → challenge' : ''}`
      : 'continue',
    ms: decision.latencyMs.toFixed(1),
  });
}
console.table(rows);
await esper.close();
await runtime.close();
