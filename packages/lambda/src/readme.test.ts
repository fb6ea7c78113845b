import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, lambdaContext } from './fixtures.test-helpers.js';

// The README's snippets, run as written against the built package (`pnpm build` first) with
// the environment a deployed function would have.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippets = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
const IMPORTS: Record<string, string> = {
  '@esper/lambda': new URL('./index.ts', import.meta.url).href,
  '@esper/lambda/edge': new URL('./edge.ts', import.meta.url).href,
  '@middy/core': pathToFileURL(
    fileURLToPath(new URL('../node_modules/@middy/core/index.js', import.meta.url)),
  ).href,
};
const dir = mkdtempSync(join(tmpdir(), 'esper-lambda-readme-'));

type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
async function load(index: number): Promise<Handler> {
  const source = snippets[index]!.replace(
    /from '([^']+)'/g,
    (_, name: string) => `from '${IMPORTS[name] ?? name}'`,
  );
  const file = join(dir, `snippet-${index}.mjs`);
  writeFileSync(file, source);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)).handler;
}

const KEY = { apiKey: 'readme_key', secret: 'readme_secret_0123456789abcdef012' };
let runtime: MockRuntime;
const saved = { ...process.env };

beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [{ match: { path: '/blocked' }, answer: { action: 'block' } }],
  });
  Object.assign(process.env, {
    ESPER_API_KEY: KEY.apiKey,
    ESPER_API_SECRET: KEY.secret,
    ESPER_API_BASE: runtime.url,
  });
});
afterAll(async () => {
  process.env = saved;
  await runtime.close();
});

const event = (path: string) => ({ ...fixture('apigw-v2-request-no-authorizer'), rawPath: path });

describe('README snippets', () => {
  it('has the four snippets this test knows', () => {
    expect(snippets).toHaveLength(4);
  });

  it('handler: allows with the decision header, blocks on the runtime’s word', async () => {
    const handler = await load(0);
    expect(await handler(event('/'), lambdaContext())).toMatchObject({
      statusCode: 200,
      body: 'hello (allow)',
    });
    expect(await handler(event('/blocked'), lambdaContext())).toMatchObject({ statusCode: 403 });
  });

  it('middy', async () => {
    const handler = await load(1);
    expect(await handler(event('/'), lambdaContext())).toMatchObject({ statusCode: 200 });
    expect(await handler(event('/blocked'), lambdaContext())).toMatchObject({ statusCode: 403 });
  });

  it('Lambda@Edge: options from the bundled esper.json', async () => {
    writeFileSync(join(dir, 'esper.json'), JSON.stringify({ ...KEY, apiBase: runtime.url }));
    const handler = await load(3);
    const edge = (uri: string) => {
      const url = new URL('../../../test/fixtures/cloudfront/viewer-request.json', import.meta.url);
      const e = JSON.parse(readFileSync(url, 'utf8'));
      e.Records[0].cf.request.uri = uri;
      return e;
    };
    const allowed = await handler(edge('/'), lambdaContext());
    expect(allowed).toMatchObject({
      uri: '/',
      headers: { 'x-esper-decision': [{ key: 'X-Esper-Decision', value: 'allow' }] },
    });
    expect(await handler(edge('/blocked'), lambdaContext())).toMatchObject({ status: '403' });
  });

  it('seeing decisions', async () => {
    const handler = await load(2);
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      await handler(event('/blocked'), lambdaContext());
    } finally {
      console.log = log;
    }
    expect(JSON.parse(lines[0]!).esper).toMatchObject({
      action: 'block',
      source: 'remote',
      clientIp: '1.2.3.4',
    });
  });
});
