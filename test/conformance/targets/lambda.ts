/**
 * Lambda targets. Each one plays the AWS front door for its event source: it clones a real
 * event sample (test/fixtures/aws-lambda-go, from aws/aws-lambda-go), sets the request on it
 * the way that service does, invokes the wrapped handler with a Lambda context object, and
 * turns the result into the HTTP response the service would send.
 *
 * Where each service puts the address it saw: REST `requestContext.identity.sourceIp`, HTTP
 * API and Function URLs `requestContext.http.sourceIp`; ALB appends it to x-forwarded-for.
 * The client's own headers (a spoofed x-forwarded-for included) are passed on as they came.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { esperMiddleware, type LambdaEsperOptions, withEsper } from '@esper/lambda';
// @middy/core is a devDependency of packages/lambda only (not of the repo root), so it is
// imported from there; see the note in the lambda adapter's hand-off.
import middy from '../../../packages/lambda/node_modules/@middy/core/index.js';
import { contractOptions, settingsInCode } from '../../helpers/contract-options.js';
import { lambdaContext as sharedLambdaContext } from '../../helpers/lambda-context.mjs';
import { hybridOf } from '../fixtures/hybrid.js';
import {
  APP_CONTRACT,
  type Target,
  type TargetOptions,
  type TargetRequest,
  type TargetResponse,
} from '../target.js';

type Kind = 'v1' | 'v2' | 'function-url' | 'alb' | 'alb-multi';
// biome-ignore lint/suspicious/noExplicitAny: AWS event and result JSON, read loosely by the stand-in platform
type Json = Record<string, any>;

function push(map: Record<string, string[]>, key: string, value: string) {
  map[key] = [...(map[key] ?? []), value];
}

function fixture(name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/aws-lambda-go/${name}`, import.meta.url), 'utf8'),
  );
}
const FIXTURES = {
  v1: fixture('apigw-request.json'),
  v2: fixture('apigw-v2-request-no-authorizer.json'),
  alb: fixture('alb-lambda-target-request.json'),
};

/** The Lambda context the runtime passes, for a function with a 30 s timeout. */
export const lambdaContext = (functionName = 'esper-conformance') =>
  sharedLambdaContext(functionName, 30_000);

function split(path: string) {
  const i = path.indexOf('?');
  return i < 0 ? { path, query: '' } : { path: path.slice(0, i), query: path.slice(i + 1) };
}

function clientHeaders(req: TargetRequest): Array<[string, string]> {
  return req.headers ?? [];
}

/** Client headers plus the hop the front door appends to x-forwarded-for. */
function forwarded(req: TargetRequest): Array<[string, string]> {
  const own = clientHeaders(req).filter(([n]) => n.toLowerCase() !== 'x-forwarded-for');
  const xff = clientHeaders(req).find(([n]) => n.toLowerCase() === 'x-forwarded-for')?.[1];
  return [...own, ['x-forwarded-for', xff ? `${xff}, ${req.platformIp}` : req.platformIp]];
}

/** The fixture's headers with every name the request sets replaced by the request's values. */
function merged(base: Record<string, string>, pairs: Array<[string, string]>) {
  const names = new Set(pairs.map(([n]) => n.toLowerCase()));
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(base)) if (!names.has(k.toLowerCase())) out[k] = [v];
  for (const [k, v] of pairs) push(out, k.toLowerCase(), v);
  return out;
}

const single = (m: Record<string, string[]>, join: string | null) =>
  Object.fromEntries(
    Object.entries(m).map(([k, v]) => [k, join === null ? v[v.length - 1]! : v.join(join)]),
  );

function queryMaps(query: string, decode: boolean) {
  if (!query) return { single: null, multi: null };
  const multi: Record<string, string[]> = {};
  for (const part of query.split('&')) {
    const [k = '', v = ''] = part.split('=');
    const key = decode ? decodeURIComponent(k) : k;
    push(multi, key, decode ? decodeURIComponent(v) : v);
  }
  return { multi, single: single(multi, null) };
}

export function buildEvent(kind: Kind, req: TargetRequest): Json {
  const method = (req.method ?? 'GET').toUpperCase();
  const { path, query } = split(req.path);
  const body = req.body ?? null;
  if (kind === 'v1') {
    const e = structuredClone(FIXTURES.v1);
    const headers = merged(e.headers, forwarded(req));
    const q = queryMaps(query, true);
    Object.assign(e, {
      path,
      httpMethod: method,
      pathParameters: { proxy: path.slice(1) },
      headers: single(headers, null),
      multiValueHeaders: headers,
      queryStringParameters: q.single,
      multiValueQueryStringParameters: q.multi,
      body,
    });
    Object.assign(e.requestContext, {
      httpMethod: method,
      requestId: randomUUID(),
      path: `/${e.requestContext.stage}${path}`,
    });
    e.requestContext.identity.sourceIp = req.platformIp;
    return e;
  }
  if (kind === 'v2' || kind === 'function-url') {
    const e = structuredClone(FIXTURES.v2);
    const pairs = forwarded(req).filter(([n]) => n.toLowerCase() !== 'cookie');
    const cookie = clientHeaders(req).find(([n]) => n.toLowerCase() === 'cookie')?.[1];
    Object.assign(e, {
      rawPath: path,
      rawQueryString: query,
      // HTTP API lower-cases names, joins repeated headers with commas and moves Cookie out.
      headers: single(merged(e.headers, pairs), ','),
      ...(cookie ? { cookies: cookie.split(/;\s*/) } : {}),
      ...(query ? { queryStringParameters: single(queryMaps(query, true).multi!, ',') } : {}),
      ...(body ? { body } : {}),
    });
    Object.assign(e.requestContext.http, { method, path, sourceIp: req.platformIp });
    e.requestContext.requestId = randomUUID().slice(0, 16);
    if (kind === 'function-url') {
      // Our own Function URL event: the 2.0 shape, on a lambda-url domain, with no
      // authentication block (auth type NONE), as AWS documents it.
      const id = 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6';
      const domain = `${id}.lambda-url.us-east-1.on.aws`;
      e.headers.host = domain;
      delete e.requestContext.authentication;
      Object.assign(e.requestContext, {
        accountId: 'anonymous',
        apiId: id,
        domainName: domain,
        domainPrefix: id,
      });
    }
    return e;
  }
  const e = structuredClone(FIXTURES.alb);
  // The sample carries both header maps; a real ALB sends one, by target group setting.
  const headers = merged(e.headers, forwarded(req));
  const q = queryMaps(query, false);
  delete e.headers;
  delete e.multiValueHeaders;
  delete e.queryStringParameters;
  delete e.multiValueQueryStringParameters;
  Object.assign(e, { httpMethod: method, path, body: body ?? '', isBase64Encoded: false });
  if (kind === 'alb-multi')
    Object.assign(e, {
      multiValueHeaders: headers,
      multiValueQueryStringParameters: q.multi ?? {},
    });
  else Object.assign(e, { headers: single(headers, null), queryStringParameters: q.single ?? {} });
  return e;
}

/** What the front door sends to the client for a handler result. */
export function toTargetResponse(kind: Kind, result: unknown): TargetResponse {
  let r = result as Json;
  if (
    (kind === 'v2' || kind === 'function-url') &&
    (typeof r !== 'object' || r === null || !('statusCode' in r))
  ) {
    r = {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: typeof r === 'string' ? r : JSON.stringify(r),
    };
  }
  const headers = new Headers();
  const setCookies: string[] = [];
  const multi: Record<string, unknown[]> = { ...r.multiValueHeaders };
  const lower = new Set(Object.keys(multi).map((k) => k.toLowerCase()));
  // REST: a name present in both maps keeps only the multi-value list.
  for (const [k, v] of Object.entries(r.headers ?? {}))
    if (!lower.has(k.toLowerCase())) multi[k] = [v];
  if (kind === 'v2' || kind === 'function-url') setCookies.push(...(r.cookies ?? []));
  for (const [k, vs] of Object.entries(multi)) {
    for (const v of vs) {
      if (k.toLowerCase() === 'set-cookie') setCookies.push(String(v));
      else headers.append(k, String(v));
    }
  }
  for (const c of setCookies) headers.append('set-cookie', c);
  const body = r.isBase64Encoded
    ? Buffer.from(r.body ?? '', 'base64').toString('utf8')
    : (r.body ?? '');
  return { status: r.statusCode, headers, setCookies, body };
}

/** The conformance app, written the way a user of each event source writes a handler. */
export function conformanceHandler(kind: Kind) {
  return async (event: Json) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(event.multiValueHeaders ?? {}))
      for (const x of v as string[]) headers.append(k, x);
    if (!event.multiValueHeaders)
      for (const [k, v] of Object.entries(event.headers ?? {})) headers.append(k, v as string);
    const body = JSON.stringify({
      path: event.rawPath ?? event.path,
      decision: headers.get('x-esper-decision'),
      decisionId: headers.get('x-esper-decision-id'),
      mode: headers.get('x-esper-mode'),
      upstream: headers.get('x-upstream-test'),
    });
    const type = 'application/json';
    const cookie = APP_CONTRACT.appCookie;
    if (kind === 'v2' || kind === 'function-url')
      return { statusCode: 200, headers: { 'content-type': type }, cookies: [cookie], body };
    if (kind === 'alb')
      return {
        statusCode: 200,
        statusDescription: '200 OK',
        headers: { 'content-type': type, 'set-cookie': cookie },
        body,
        isBase64Encoded: false,
      };
    if (kind === 'alb-multi')
      return {
        statusCode: 200,
        statusDescription: '200 OK',
        multiValueHeaders: { 'content-type': [type], 'set-cookie': [cookie] },
        body,
        isBase64Encoded: false,
      };
    return {
      statusCode: 200,
      headers: { 'Content-Type': type },
      multiValueHeaders: { 'Set-Cookie': [cookie] },
      body,
    };
  };
}

export function esperOptions(
  o: TargetOptions,
  decider?: LambdaEsperOptions['decider'],
): LambdaEsperOptions {
  return { ...contractOptions(decider), ...settingsInCode(o), env: {} };
}

function lambdaTarget(name: string, kind: Kind, useMiddy = false): Target {
  return {
    name,
    async start(options) {
      const app = conformanceHandler(kind);
      const hybrid = await hybridOf(options);
      let invoke: (event: Json, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
      let close: () => Promise<void>;
      if (useMiddy) {
        const mw = esperMiddleware(esperOptions(options, hybrid?.decider));
        invoke = middy(app).use(mw);
        close = () => mw.esper.close();
      } else {
        const handler = withEsper(app, esperOptions(options, hybrid?.decider));
        invoke = handler;
        close = () => handler.esper.close();
      }
      return {
        async request(req) {
          return toTargetResponse(kind, await invoke(buildEvent(kind, req), lambdaContext()));
        },
        expectedClientIp: (platformIp) => platformIp,
        async close() {
          await close();
          await hybrid?.close();
        },
      };
    },
  };
}

export const lambdaApigwV1 = lambdaTarget('lambda-apigw-v1', 'v1');
export const lambdaApigwV2 = lambdaTarget('lambda-apigw-v2', 'v2');
export const lambdaFunctionUrl = lambdaTarget('lambda-function-url', 'function-url');
export const lambdaAlb = lambdaTarget('lambda-alb', 'alb');
export const lambdaAlbMultiValue = lambdaTarget('lambda-alb-multivalue', 'alb-multi');
export const lambdaMiddy = lambdaTarget('lambda-middy', 'v2', true);
