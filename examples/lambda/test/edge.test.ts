/**
 * The Lambda@Edge function as `npm run build` bundles it, with the settings of the build's
 * environment written in (Lambda@Edge has none at run time), invoked like CloudFront does: the
 * published viewer-request example (events/) with the viewer's request on it, against a real
 * mock runtime scripted by esper-mock.json.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import { buildEdge } from '../scripts/build.mjs';
import { lambdaContext, viewerRequestEvent } from '../scripts/events.mjs';

type Headers = Record<string, Array<{ key?: string; value: string }>>;
type Result = { status?: string; uri?: string; headers: Headers; body?: string };
let handler: (event: unknown, context: unknown) => Promise<Result>;
const runtime = exampleRuntime('lambda');

beforeAll(async () => {
  await runtime.start();
  runtime.stubEnv();
  // The suite's generous 10 s budget is more than a viewer trigger may wait: 4 s is the most
  // esperEdge() accepts (CloudFront gives the function 5 s in all).
  await buildEdge({ ...process.env, ESPER_TIMEOUT_MS: '4000' });
  // Nothing at run time: the bundle must carry its settings.
  vi.unstubAllEnvs();
  const built = new URL('../dist/edge.mjs', import.meta.url);
  handler = (await import(built.href)).handler;
}, 60_000);

afterAll(() => runtime.close());

const invoke = (path: string, headers: Record<string, string> = { accept: 'text/html' }) =>
  handler(viewerRequestEvent({ path, headers }), lambdaContext('esper-edge-example'));
const value = (headers: Headers, name: string) => headers[name]?.map((e) => e.value);

describe('examples/lambda: Lambda@Edge viewer request', () => {
  it('allows /: the request goes on to the origin with the decision', async () => {
    const res = await invoke('/', { accept: 'text/html', 'x-esper-decision': 'forged' });
    expect(res.status).toBeUndefined();
    expect(res.uri).toBe('/');
    expect(value(res.headers, 'x-esper-decision')).toEqual(['allow']);
    expect(value(res.headers, 'x-esper-decision-id')).toEqual([runtime.lastDecisionId()]);
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '198.51.100.10' },
      source: { sdk: '@esper/lambda', runtime: 'aws-lambda-edge' },
    });
  });

  it('challenges /login: a generated 302 to the challenge page', async () => {
    const res = await invoke('/login');
    expect(res.status).toBe('302');
    expect(value(res.headers, 'location')?.[0]).toMatch(runtime.challengePage());
  });

  it('blocks /admin and /?foo=bar with a generated 403', async () => {
    const res = await invoke('/admin', { accept: 'application/json' });
    expect(res.status).toBe('403');
    expect(JSON.parse(res.body ?? '')).toMatchObject({ error: 'blocked' });
    expect((await invoke('/?foo=bar')).status).toBe('403');
    expect(runtime.lastCall()?.body).toMatchObject({ request: { path: '/', query: 'foo=bar' } });
  });
});
