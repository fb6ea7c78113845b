/**
 * The functions as `npm run build` bundles them (the settings of template.yaml), invoked like
 * the Lambda runtime does: a real event shape (events/, from aws/aws-lambda-go) with the request
 * set where API Gateway or the Function URL puts it, and a Lambda context. Settings come from the
 * environment, pointing at a real mock runtime on loopback scripted by esper-mock.json.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
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

const runtime = exampleRuntime('lambda');
const handlers: Record<string, Handler> = {};

beforeAll(async () => {
  await runtime.start();
  await buildFunctions();
  // The function's environment, as template.yaml sets it; read when the module loads.
  runtime.stubEnv();
  handlers.handler = (await load('handler')).handler!;
  handlers.middy = (await load('middy')).handler!;
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await runtime.close();
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
      decisionId: runtime.lastDecisionId(),
    });
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '198.51.100.10' },
      source: { sdk: '@esper/lambda' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await invoke('/login');
    expect(res.statusCode).toBe(302);
    const location = res.headers?.location ?? res.multiValueHeaders?.location?.[0];
    expect(location).toMatch(runtime.challengePage());
  });

  it('blocks /admin and /?foo=bar with a 403', async () => {
    expect((await invoke('/admin')).statusCode).toBe(403);
    expect((await invoke('/?foo=bar')).statusCode).toBe(403);
    expect(runtime.lastCall()?.body).toMatchObject({ request: { path: '/', query: 'foo=bar' } });
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
  itShowsFilesAsTheyAre('lambda', {
    title: 'shows the three handlers',
    files: ['src/handler.ts', 'src/middy.ts', 'src/edge.ts'],
  });
});

describeRootReadme('lambda');
