/**
 * Lambda@Edge targets. The target plays CloudFront: it clones AWS's published event example
 * (test/fixtures/cloudfront, "Lambda@Edge event structure"), puts the viewer's request on it the
 * way CloudFront does, invokes the handler with a Lambda context, checks the function's answer
 * against CloudFront's published rules (a breach is CloudFront's 502), and then either returns
 * the generated response or forwards the returned request to a real origin server.
 *
 * What CloudFront does, as modelled (sources in test/fixtures/cloudfront/SOURCE.md):
 * - `clientIp` is the address that connected to the edge; the viewer's headers are passed as
 *   sent, lower-case keys, one `{ key, value }` per line, except the disallowed ones
 *   (Connection, X-Forwarded-Proto, X-Real-IP, …), which functions never see;
 * - `uri` and `querystring` are the request target as sent (UTF-8 values unchanged);
 * - origin-request events (every request a cache miss here; the origin request policy forwards
 *   all viewer headers) also carry CloudFront's Via and its X-Forwarded-For, to which it
 *   appends `clientIp`, and the origin object;
 * - the function has 5 s (viewer) or 30 s (origin); a generated response must be at most
 *   40 KB (viewer) or 1 MB (origin), status a string in 200-599, no body with 204, no
 *   disallowed header; a returned request must not add a disallowed header nor add or change a
 *   read-only one (Host, Via, Content-Length, Transfer-Encoding in viewer requests).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EdgeEsperOptions, esperEdge, esperEdgeResponse } from '@esper/lambda/edge';
import { rawRequest } from '../../helpers/raw-http.js';
import { hybridOf } from '../fixtures/hybrid.js';
import { APP_CONTRACT, type Target, type TargetRequest, type TargetResponse } from '../target.js';
import { esperOptions, lambdaContext } from './lambda.js';

export type EventType = 'viewer-request' | 'origin-request';
type Entries = Array<{ key?: string; value: string }>;
// biome-ignore lint/suspicious/noExplicitAny: CloudFront event JSON, read loosely by the stand-in platform
type Json = Record<string, any>;

const FIXTURES: Record<EventType | 'viewer-response', Json> = {
  'viewer-request': fixture('viewer-request'),
  'origin-request': fixture('origin-request'),
  'viewer-response': fixture('viewer-response'),
};
function fixture(name: string): Json {
  const url = new URL(`../../fixtures/cloudfront/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

const DISALLOWED =
  /^(?:connection|expect|keep-alive|proxy-authenticate|proxy-authorization|proxy-connection|trailer|upgrade|x-accel-.*|x-amz-cf-.*|x-amzn-auth|x-amzn-cf-billing|x-amzn-cf-id|x-amzn-cf-xff|x-amzn-errortype|x-amzn-fle-profile|x-amzn-header-count|x-amzn-header-order|x-amzn-lambda-integration-tag|x-amzn-requestid|x-cache|x-edge-.*|x-forwarded-proto|x-real-ip)$/;
const READ_ONLY: Record<EventType, string[]> = {
  'viewer-request': ['content-length', 'host', 'transfer-encoding', 'via'],
  'origin-request': [
    'accept-encoding',
    'content-length',
    'if-modified-since',
    'if-none-match',
    'if-range',
    'if-unmodified-since',
    'transfer-encoding',
    'via',
  ],
};
const LIMIT: Record<EventType, number> = {
  'viewer-request': 40 * 1024,
  'origin-request': 1024 * 1024,
};
const TIMEOUT: Record<EventType, number> = { 'viewer-request': 5_000, 'origin-request': 30_000 };

function split(target: string) {
  const i = target.indexOf('?');
  return i < 0 ? { uri: target, qs: '' } : { uri: target.slice(0, i), qs: target.slice(i + 1) };
}

function push(map: Record<string, Entries>, key: string, value: string) {
  map[key.toLowerCase()] = [...(map[key.toLowerCase()] ?? []), { key, value }];
}

/** The event CloudFront hands the function for a viewer's request. */
export function buildEdgeEvent(type: EventType, req: TargetRequest): Json {
  const event = structuredClone(FIXTURES[type]);
  const cf = event.Records[0].cf;
  const { uri, qs } = split(req.path);
  const headers: Record<string, Entries> = {};
  const sent = (req.headers ?? []).filter(([n]) => !DISALLOWED.test(n.toLowerCase()));
  if (!sent.some(([n]) => n.toLowerCase() === 'host'))
    push(headers, 'Host', 'd111111abcdef8.cloudfront.net');
  for (const [name, value] of sent) push(headers, name, value);
  if (type === 'origin-request') {
    // CloudFront's own hop: its Via, and the viewer's address appended to X-Forwarded-For.
    const xff = headers['x-forwarded-for']?.map((e) => e.value).join(', ');
    headers['x-forwarded-for'] = [
      { key: 'X-Forwarded-For', value: xff ? `${xff}, ${req.platformIp}` : req.platformIp },
    ];
    headers.via = cf.request.headers.via;
  }
  cf.config.requestId = `${randomUUID().replace(/-/g, '')}EXAMPLE==`;
  Object.assign(cf.request, {
    clientIp: req.platformIp,
    method: (req.method ?? 'GET').toUpperCase(),
    uri,
    querystring: qs,
    headers,
    // The trigger's "include body" option: base64, read-only.
    ...(req.body && {
      body: {
        inputTruncated: false,
        action: 'read-only',
        encoding: 'base64',
        data: Buffer.from(req.body).toString('base64'),
      },
    }),
  });
  return event;
}

const badGateway = (why: string): TargetResponse => ({
  status: 502,
  headers: new Headers({ 'x-cloudfront-validation': why }),
  setCookies: [],
  body: `CloudFront: the Lambda function returned an invalid response (${why})`,
});

/** CloudFront's header map as it must be, or why not. */
function headerError(headers: unknown): string | undefined {
  if (headers === undefined) return;
  if (typeof headers !== 'object' || headers === null) return 'headers is not an object';
  for (const [name, entries] of Object.entries(headers)) {
    if (name !== name.toLowerCase()) return `header map key ${name} is not lower-case`;
    if (!Array.isArray(entries)) return `header ${name} is not a list`;
    for (const e of entries as Entries) {
      if (typeof e?.value !== 'string') return `header ${name} has a non-string value`;
      if (e.key !== undefined && e.key.toLowerCase() !== name) return `header ${name} key ${e.key}`;
    }
  }
}

function values(headers: Record<string, Entries> | undefined, name: string) {
  return JSON.stringify((headers?.[name] ?? []).map((e) => e.value));
}

/** The origin: a real HTTP server on 127.0.0.1, given the request line CloudFront sends. */
export async function startOrigin(
  app: (req: IncomingMessage) => { status: number; headers: Array<[string, string]>; body: string },
) {
  const server = createServer((req, res) => {
    const out = app(req);
    for (const [n, v] of out.headers) res.appendHeader(n, v);
    res.writeHead(out.status).end(out.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The conformance app (APP_CONTRACT) as an origin server reads it. */
export function contractOrigin(req: IncomingMessage) {
  const h = (n: string) => (req.headers[n] as string | undefined) ?? null;
  const body = JSON.stringify({
    path: (req.url ?? '/').split('?')[0],
    decision: h('x-esper-decision'),
    decisionId: h('x-esper-decision-id'),
    mode: h('x-esper-mode'),
    upstream: h('x-upstream-test'),
  });
  return {
    status: 200,
    headers: [
      ['content-type', 'application/json'],
      ['set-cookie', APP_CONTRACT.appCookie],
    ] as Array<[string, string]>,
    body,
  };
}

type Handler = (event: Json, context: unknown) => Promise<Json>;

/** One viewer request through CloudFront: the trigger, its checks, then the origin. */
export async function throughCloudFront(
  type: EventType,
  handler: Handler,
  originUrl: string,
  req: TargetRequest,
  responseHandler?: Handler,
): Promise<TargetResponse> {
  const event = buildEdgeEvent(type, req);
  const given = structuredClone(event.Records[0].cf.request);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), TIMEOUT[type]);
  });
  const out = await Promise.race([handler(event, lambdaContext('esper-edge')), timeout]).finally(
    () => clearTimeout(timer),
  );
  if (out === 'timeout') return { ...badGateway('function timed out'), status: 503 };
  if (typeof out !== 'object' || out === null) return badGateway('no result');
  const invalid = headerError(out.headers);
  if (invalid) return badGateway(invalid);
  for (const name of Object.keys(out.headers ?? {}))
    if (DISALLOWED.test(name)) return badGateway(`disallowed header ${name}`);
  if ('status' in out) return generated(type, out);
  if (typeof out.uri !== 'string' || !out.uri.startsWith('/')) return badGateway('bad uri');
  for (const name of READ_ONLY[type])
    if (values(out.headers, name) !== values(given.headers, name))
      return badGateway(`read-only header ${name} changed`);
  const headers: Array<[string, string]> = [];
  for (const [name, entries] of Object.entries(out.headers as Record<string, Entries>))
    for (const e of entries) headers.push([e.key ?? name, e.value]);
  const target = out.querystring ? `${out.uri}?${out.querystring}` : out.uri;
  const body = out.body?.data ? Buffer.from(out.body.data, 'base64').toString() : undefined;
  const res = await rawRequest(originUrl, { target, method: out.method, headers, body });
  // No viewer-response trigger runs on an origin status of 400 or more.
  if (responseHandler && res.status < 400) return viewerResponse(responseHandler, out, res);
  return {
    status: res.status,
    headers: res.headers,
    setCookies: res.headers.getSetCookie(),
    body: res.body,
  };
}

function generated(type: EventType, out: Json): TargetResponse {
  const status = Number(out.status);
  if (typeof out.status !== 'string' || !(status >= 200 && status <= 599))
    return badGateway('status is not a string in 200-599');
  const body: string = out.body ?? '';
  if (status === 204 && body) return badGateway('204 with a body');
  let size = body.length;
  const headers = new Headers();
  const setCookies: string[] = [];
  for (const [name, entries] of Object.entries(out.headers as Record<string, Entries>)) {
    for (const e of entries) {
      size += name.length + e.value.length + 4;
      if (name === 'set-cookie') setCookies.push(e.value);
      headers.append(name, e.value);
    }
  }
  if (size > LIMIT[type]) return badGateway(`generated response of ${size} bytes`);
  const text = out.bodyEncoding === 'base64' ? Buffer.from(body, 'base64').toString() : body;
  return { status, headers, setCookies, body: text };
}

/**
 * The viewer-response trigger: CloudFront passes the request as the viewer-request function
 * returned it and the response it will send; the function may not change the status, nor add
 * or change Via or Warning.
 */
async function viewerResponse(
  handler: Handler,
  request: Json,
  res: Awaited<ReturnType<typeof rawRequest>>,
): Promise<TargetResponse> {
  const event = structuredClone(FIXTURES['viewer-response']);
  const headers: Record<string, Entries> = {};
  // Disallowed headers (Connection, Keep-Alive, …) are never exposed to a function.
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && !DISALLOWED.test(name)) push(headers, name, value);
  });
  for (const cookie of res.headers.getSetCookie()) push(headers, 'Set-Cookie', cookie);
  const given = { status: String(res.status), statusDescription: 'OK', headers };
  Object.assign(event.Records[0].cf, { request, response: structuredClone(given) });
  const out = await handler(event, lambdaContext('esper-edge-response'));
  const invalid = headerError(out?.headers);
  if (invalid) return badGateway(invalid);
  if (out.status !== given.status) return badGateway('viewer-response changed the status');
  for (const name of ['via', 'warning'])
    if (values(out.headers, name) !== values(given.headers, name))
      return badGateway(`read-only header ${name} changed`);
  const sent = new Headers();
  const setCookies: string[] = [];
  for (const [name, entries] of Object.entries(out.headers as Record<string, Entries>)) {
    if (DISALLOWED.test(name)) return badGateway(`disallowed header ${name}`);
    for (const e of entries) {
      if (name === 'set-cookie') setCookies.push(e.value);
      sent.append(name, e.value);
    }
  }
  return { status: res.status, headers: sent, setCookies, body: res.body };
}

export function lambdaEdgeTarget(
  name: string,
  type: EventType,
  extra?: EdgeEsperOptions,
  withViewerResponse = false,
): Target {
  return {
    name,
    async start(options) {
      const hybrid = await hybridOf(options);
      const handler = esperEdge({ ...esperOptions(options, hybrid?.decider), ...extra });
      const responseHandler = withViewerResponse ? (esperEdgeResponse() as Handler) : undefined;
      const origin = await startOrigin(contractOrigin);
      return {
        request: (req) =>
          throughCloudFront(type, handler as Handler, origin.url, req, responseHandler),
        expectedClientIp: (platformIp) => platformIp,
        async close() {
          await handler.esper.close();
          await origin.close();
          await hybrid?.close();
        },
      };
    },
  };
}

export const lambdaEdgeViewer = lambdaEdgeTarget('lambda-edge', 'viewer-request');
export const lambdaEdgeOrigin = lambdaEdgeTarget('lambda-edge-origin-request', 'origin-request');
/** Viewer request and viewer response: the runtime's response headers reach the viewer. */
export const lambdaEdgeViewerResponse = lambdaEdgeTarget(
  'lambda-edge-viewer-response',
  'viewer-request',
  { viewerResponse: true },
  true,
);
