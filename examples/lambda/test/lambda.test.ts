/**
 * The functions as `npm run build` bundles them (the settings of template.yaml), invoked like
 * the Lambda runtime does: a real event shape (events/, from aws/aws-lambda-go) with the request
 * set where API Gateway or the Function URL puts it, and a Lambda context. Settings come from the
 * environment, pointing at a real mock runtime on loopback scripted by esper-mock.json.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_TEST_KEY,
  type MockRuntime,
  type StartMockRuntimeOptions,
  startMockRuntime,
} from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import mockConfig from '../esper-mock.json';
import { buildFunctions } from '../scripts/build.mjs';
import { httpApiEvent, lambdaContext, restApiEvent } from '../scripts/events.mjs';

type Result = {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
};
type Handler = (event: unknown, context: unknown) => Promise<Result>;

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const load = async (name: string) =>
  (await import(new URL(`../dist/${name}.mjs`, import.meta.url).href)) as Record<string, Handler>;

let mock: MockRuntime;
const handlers: Record<string, Handler> = {};

const lastCall = () => mock.requests.at(-1);
const lastDecisionId = () =>
  (JSON.parse(lastCall()?.response?.body ?? '{}') as { decision_id?: string }).decision_id;

beforeAll(async () => {
  mock = await startMockRuntime(mockConfig as StartMockRuntimeOptions);
  await buildFunctions();
  // The function's environment, as template.yaml sets it; read when the module loads.
  vi.stubEnv('ESPER_API_BASE', mock.url);
  vi.stubEnv('ESPER_API_KEY', DEFAULT_TEST_KEY.apiKey);
  vi.stubEnv('ESPER_API_SECRET', DEFAULT_TEST_KEY.secret);
  vi.stubEnv('ESPER_TIMEOUT_MS', '10000'); // a loaded CI machine, not production
  handlers.handler = (await load('handler')).handler!;
  handlers.middy = (await load('middy')).handler!;
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await mock?.close();
});

const html = { accept: 'text/html' };
const sources = [
  ['HTTP API', 'handler', (path: string) => httpApiEvent({ path, headers: html })],
  [
    'Function URL',
    'handler',
    (path: string) => httpApiEvent({ path, headers: html }, { functionUrl: true }),
  ],
  ['REST API with Middy', 'middy', (path: string) => restApiEvent({ path, headers: html })],
] as const;

describe.each(sources)('examples/lambda: %s', (_name, fn, event) => {
  const invoke = (path: string) => handlers[fn]!(event(path), lambdaContext());

  it('allows /: the handler runs and sees the decision', async () => {
    const res = await invoke('/');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toEqual({
      hello: '/',
      decision: 'allow',
      decisionId: lastDecisionId(),
    });
    expect(lastCall()?.verification).toMatchObject({ ok: true, keyId: DEFAULT_TEST_KEY.apiKey });
    expect(lastCall()?.body).toMatchObject({
      request: { path: '/', client_ip: '198.51.100.10' },
      source: { sdk: '@esper/lambda' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await invoke('/login');
    expect(res.statusCode).toBe(302);
    const location = res.headers?.location ?? res.multiValueHeaders?.location?.[0];
    expect(location).toMatch(new RegExp(`^${mock.url}/challenge\\?`));
  });

  it('blocks /admin and /?foo=bar with a 403', async () => {
    expect((await invoke('/admin')).statusCode).toBe(403);
    expect((await invoke('/?foo=bar')).statusCode).toBe(403);
    expect(lastCall()?.body).toMatchObject({ request: { path: '/', query: 'foo=bar' } });
  });
});

describe('examples/lambda/template.yaml', () => {
  const template = read('template.yaml');
  const functions = [
    ...template.matchAll(/Handler: (\w+)\.(\w+)\n[\s\S]*?EntryPoints:\n\s+- (\S+)\n/g),
  ];
  it('has the two functions, each handler the export of its entry point', async () => {
    expect(functions.map((m) => [m[1], m[2], m[3]])).toEqual([
      ['handler', 'handler', 'src/handler.ts'],
      ['middy', 'handler', 'src/middy.ts'],
    ]);
    for (const [, file, name] of functions) {
      expect(await load(file!)).toHaveProperty(name!);
    }
  });
});

describe('examples/lambda/README.md', () => {
  const readme = read('README.md');
  const shown = [...readme.matchAll(/<!-- file: (\S+) -->\n```\w+\n([\s\S]*?)```\n/g)];
  it.each(shown.map((m) => [m[1]!, m[2]!]))('shows %s as it is in the example', (file, code) => {
    expect(code).toBe(read(file));
  });
  it('shows both handlers', () => {
    expect(shown.map((m) => m[1])).toEqual(['src/handler.ts', 'src/middy.ts']);
  });
});

describe('the root README', () => {
  it('quotes this example as it is: its lines, in order ("// …" stands for the rest)', () => {
    const root = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const from = /<!-- from: examples\/lambda\/(\S+) -->\n```\w*\n([\s\S]*?)```\n/g;
    const quoted = [...root.matchAll(from)];
    expect(quoted.length).toBeGreaterThan(0);
    for (const [, file, code] of quoted) {
      const lines = read(file!).split('\n');
      let at = 0;
      for (const line of code!.split('\n').filter((l) => l.trim() && l.trim() !== '// …')) {
        const found = lines.indexOf(line, at);
        expect(found, `${file}: ${line}`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
    }
  });
});
