// Events as AWS sends them, for local invocations and the tests: a real sample event (events/)
// is cloned and the request is set on it where API Gateway or the Function URL puts it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** @param {string} name */
const sample = (name) =>
  JSON.parse(readFileSync(new URL(`../events/${name}`, import.meta.url), 'utf8'));

/**
 * @typedef {{ method?: string, path: string, headers?: Record<string, string>, sourceIp?: string }} Req
 * `path` may carry a query string; `sourceIp` is the address AWS saw (the client's).
 */

/**
 * @param {string} target
 * @returns {[string, string]} path and query
 */
function split(target) {
  const i = target.indexOf('?');
  return i < 0 ? [target, ''] : [target.slice(0, i), target.slice(i + 1)];
}

/**
 * The sample's headers with the request's set on them as API Gateway passes them: one entry per
 * name whatever its case, the client's X-Forwarded-For kept with the address AWS saw appended,
 * and no content-length left over from the sample.
 * @param {Record<string, string>} sampleHeaders
 * @param {Record<string, string>} requestHeaders
 * @param {string} sourceIp
 * @param {string} forwardedName the sample's spelling of X-Forwarded-For
 */
function mergeHeaders(sampleHeaders, requestHeaders, sourceIp, forwardedName) {
  const given = new Map(Object.entries(requestHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  /** @type {Record<string, string>} */
  const out = {};
  for (const [name, value] of Object.entries(sampleHeaders)) {
    const lower = name.toLowerCase();
    if (!given.has(lower) && lower !== 'content-length' && lower !== 'x-forwarded-for')
      out[name] = value;
  }
  for (const [name, value] of Object.entries(requestHeaders)) {
    if (name.toLowerCase() !== 'x-forwarded-for') out[name] = value;
  }
  const clientForwarded = given.get('x-forwarded-for');
  out[forwardedName] = clientForwarded ? `${clientForwarded}, ${sourceIp}` : sourceIp;
  return out;
}

/**
 * HTTP API (payload 2.0) event; with `functionUrl`, the same shape as a Function URL sends it
 * (a lambda-url domain, no authentication block: auth type NONE).
 * @param {Req} req
 * @param {{ functionUrl?: boolean }} [options]
 */
export function httpApiEvent(req, options = {}) {
  const e = sample('http-api.json');
  const [path, query] = split(req.path);
  const method = (req.method ?? 'GET').toUpperCase();
  const sourceIp = req.sourceIp ?? '198.51.100.10';
  e.headers = mergeHeaders(e.headers, req.headers ?? {}, sourceIp, 'x-forwarded-for');
  e.rawPath = path;
  e.rawQueryString = query;
  if (query) e.queryStringParameters = Object.fromEntries(new URLSearchParams(query));
  Object.assign(e.requestContext.http, { method, path, sourceIp });
  e.requestContext.requestId = randomUUID().slice(0, 16);
  if (options.functionUrl) {
    const id = 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6';
    const domain = `${id}.lambda-url.us-east-1.on.aws`;
    e.headers.host = domain;
    delete e.requestContext.authentication;
    Object.assign(e.requestContext, { apiId: id, domainName: domain, domainPrefix: id });
  }
  return e;
}

/**
 * REST API (payload 1.0) proxy event.
 * @param {Req} req
 */
export function restApiEvent(req) {
  const e = sample('rest-api.json');
  const [path, query] = split(req.path);
  const method = (req.method ?? 'GET').toUpperCase();
  const sourceIp = req.sourceIp ?? '198.51.100.10';
  /** @type {Record<string, string>} */
  const headers = mergeHeaders(e.headers, req.headers ?? {}, sourceIp, 'X-Forwarded-For');
  const params = query ? Object.fromEntries(new URLSearchParams(query)) : null;
  Object.assign(e, {
    path,
    httpMethod: method,
    pathParameters: { proxy: path.slice(1) },
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: params,
    multiValueQueryStringParameters: params
      ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]))
      : null,
    body: null,
  });
  Object.assign(e.requestContext, {
    httpMethod: method,
    path: `/${e.requestContext.stage}${path}`,
    requestId: randomUUID(),
  });
  e.requestContext.identity.sourceIp = sourceIp;
  return e;
}

/**
 * CloudFront Lambda@Edge viewer-request event: the viewer's request as CloudFront passes it,
 * `clientIp` the address that connected to the edge and each header a list of `{ key, value }`
 * under its lower-case name.
 * @param {Req} req
 */
export function viewerRequestEvent(req) {
  const e = sample('cloudfront-viewer-request.json');
  const [uri, querystring] = split(req.path);
  const cf = e.Records[0].cf;
  /** @type {Record<string, Array<{ key: string, value: string }>>} */
  const headers = { ...cf.request.headers };
  for (const [key, value] of Object.entries(req.headers ?? {}))
    headers[key.toLowerCase()] = [{ key, value }];
  cf.config.requestId = `${randomUUID().replaceAll('-', '')}EXAMPLE==`;
  Object.assign(cf.request, {
    clientIp: req.sourceIp ?? '198.51.100.10',
    method: (req.method ?? 'GET').toUpperCase(),
    uri,
    querystring,
    headers,
  });
  return e;
}

/**
 * The context object the Lambda runtime passes to a handler. The repo's own tests take it from
 * here too (test/helpers/lambda-context.mjs), so that there is one.
 * @param {string} [functionName]
 * @param {number} [timeoutMs] the function's timeout: what getRemainingTimeInMillis counts down
 */
export function lambdaContext(functionName = 'esper-example', timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/22/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}
