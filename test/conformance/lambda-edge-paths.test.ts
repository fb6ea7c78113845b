/**
 * Lambda@Edge paths the routing matrix has no row for, through the stand-in CloudFront
 * (targets/lambda-edge.ts) to real origin servers (test/routing/targets/lambda-edge.ts): a
 * custom origin whose router reads `/panel/:file` on the raw path, and an S3 origin that decodes
 * the whole path into the object key. An encoded slash inside a segment names `/panel/:file` on
 * the first and the key `panel/a/b` on the second, so no one decided path is right for both:
 * esperEdge refuses it (400) unless told `routing.ambiguousSlashes: 'keep'`. Last, an origin
 * that folds case and a trailing slash, which only the `routing` option can describe.
 */
import type { IncomingMessage } from 'node:http';
import { type EdgeEsperOptions, esperEdge } from '@esper/lambda/edge';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProtectedPath, KEY } from '../routing/routing.js';
import { exactOrigin, s3Origin } from '../routing/targets/lambda-edge.js';
import { TEST_KEY } from './runtime.js';
import { startOrigin, throughCloudFront } from './targets/lambda-edge.js';

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [TEST_KEY],
    decide: (body) =>
      isProtectedPath((body as { request?: { path?: string } }).request?.path ?? '')
        ? { action: 'block' }
        : { action: 'allow' },
  });
});
afterAll(() => runtime?.close());

const origins = { custom: exactOrigin, s3: s3Origin };

for (const [name, origin] of Object.entries(origins)) {
  describe(`lambda-edge, ${name} origin`, () => {
    let server: Awaited<ReturnType<typeof startOrigin>>;
    let edge: ReturnType<typeof esperEdge>;
    beforeAll(async () => {
      server = await startOrigin(origin);
      edge = esperEdge({ ...KEY, apiBase: runtime.url, timeoutMs: 2_000 });
    });
    afterAll(async () => {
      await edge.esper.close();
      await server.close();
    });
    const send = (path: string) =>
      // biome-ignore lint/suspicious/noExplicitAny: the stand-in reads CloudFront JSON loosely
      throughCloudFront('viewer-request', edge as any, server.url, {
        path,
        headers: [],
        platformIp: '198.51.100.7',
      });

    it('control: /panel/x is blocked', async () => {
      expect((await send('/panel/x')).status).toBe(403);
    });

    // Before: decided as /panel/a/b and /panel/x/ (%2F read as /), allowed, and the custom
    // origin's /panel/:file ran.
    it.each(['/panel/a%2fb', '/panel/x%2f', '/panel%2fx', '/panel/x%2F..%2Fy'])(
      '%s is refused before any origin runs',
      async (path) => {
        const res = await send(path);
        expect(res.headers.get('x-handler')).toBeNull();
        expect(res.status).toBe(400);
      },
    );
  });
}

/**
 * A custom origin whose router parses the request target as a URL (Express's parseurl falls
 * back to url.parse, which drops a fragment and reads `\` as `/`): `/admin#x` is its /admin
 * route, `/panel\x` its /panel/:file.
 */
function urlOrigin(req: IncomingMessage) {
  const path = new URL(req.url ?? '/', 'http://origin').pathname;
  const handler =
    path === '/admin' ? '/admin' : /^\/panel\/[^/]+$/.test(path) ? '/panel/:file' : null;
  const headers: Array<[string, string]> = handler ? [['x-handler', handler]] : [];
  return { status: handler ? 200 : 404, headers, body: '' };
}

describe('lambda-edge, an origin that parses the request line as a URL', () => {
  let server: Awaited<ReturnType<typeof startOrigin>>;
  let edge: ReturnType<typeof esperEdge>;
  beforeAll(async () => {
    server = await startOrigin(urlOrigin);
    edge = esperEdge({ ...KEY, apiBase: runtime.url, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await edge.esper.close();
    await server.close();
  });

  // A hand-made request line may carry `#…`; the stand-in CloudFront passes it in `uri`.
  it.each(['/admin#x', '/admin#/public', '/panel\\x', '/panel\\x#'])(
    '%s never runs a protected route undecided',
    async (path) => {
      // biome-ignore lint/suspicious/noExplicitAny: the stand-in reads CloudFront JSON loosely
      const res = await throughCloudFront('viewer-request', edge as any, server.url, {
        path,
        headers: [],
        platformIp: '198.51.100.7',
      });
      expect(res.headers.get('x-handler')).toBeNull();
      expect(res.status).toBeGreaterThanOrEqual(400);
    },
  );
});

/** A custom origin routing as Express does by default: case-insensitive, one trailing slash ignored. */
function foldingOrigin(req: IncomingMessage) {
  const path = (req.url ?? '/').split('?')[0]!;
  const handler = /^\/admin\/?$/i.test(path) ? '/admin' : null;
  const headers: Array<[string, string]> = handler ? [['x-handler', handler]] : [];
  return { status: handler ? 200 : 404, headers, body: '' };
}

describe('lambda-edge, an origin that folds case and a trailing slash', () => {
  let server: Awaited<ReturnType<typeof startOrigin>>;
  beforeAll(async () => {
    server = await startOrigin(foldingOrigin);
  });
  afterAll(() => server.close());

  const send = async (options: EdgeEsperOptions, path: string) => {
    const edge = esperEdge({ ...KEY, apiBase: runtime.url, timeoutMs: 2_000, ...options });
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the stand-in reads CloudFront JSON loosely
      return await throughCloudFront('viewer-request', edge as any, server.url, {
        path,
        headers: [],
        platformIp: '198.51.100.7',
      });
    } finally {
      await edge.esper.close();
    }
  };

  // Stated limit (packages/lambda/README.md, "Paths"): the edge cannot know the origin's router.
  it('by default /ADMIN and /admin/ are decided as sent, and the origin serves /admin', async () => {
    for (const path of ['/ADMIN', '/admin/']) {
      const res = await send({}, path);
      expect(res.headers.get('x-handler'), path).toBe('/admin');
    }
  });

  it('with routing { caseSensitive: false, strict: false } both are blocked', async () => {
    const routing = { caseSensitive: false, strict: false };
    for (const path of ['/ADMIN', '/admin/', '/admin']) {
      const res = await send({ routing }, path);
      expect(res.status, path).toBe(403);
      expect(res.headers.get('x-handler'), path).toBeNull();
    }
  });
});
