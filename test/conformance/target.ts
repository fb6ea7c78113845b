/**
 * A conformance target is one adapter running in its real runtime, wrapped so the shared
 * scenarios can drive it. The target plays the platform too: it puts the "real" client IP
 * where that platform puts it (cf-connecting-ip, x-real-ip, requestContext, the router's
 * x-forwarded-for hop), overwriting what the client sent exactly as the platform would.
 */

export interface TargetOptions {
  /** The mock runtime's URL: the adapter's apiBase. */
  runtimeUrl: string;
  apiKey: string;
  secret: string;
  mode: 'live' | 'monitor';
  timeoutMs: number;
  /**
   * Set in the hybrid column: the adapter gets a local decider (`@esper/hybrid`) synced from
   * `runtimeUrl`, then the real `@esper/runtime` origin, instead of calling it per request.
   */
  hybrid?: HybridTargetOptions;
}

export interface HybridTargetOptions {
  /** The decider's `pollIntervalMs`. */
  pollIntervalMs: number;
}

/**
 * The settings of a target configured by its environment or bindings (workerd, a Node child,
 * `next start`): the `ESPER_*` variables, and in the hybrid column the poll interval, which the
 * fixture's `hybridFor` (fixtures/hybrid.ts) reads to make its decider.
 */
export function targetEnv(o: TargetOptions): Record<string, string> {
  return {
    ESPER_API_KEY: o.apiKey,
    ESPER_API_SECRET: o.secret,
    ESPER_API_BASE: o.runtimeUrl,
    ESPER_MODE: o.mode,
    ESPER_TIMEOUT_MS: String(o.timeoutMs),
    ...(o.hybrid && { CONFORMANCE_HYBRID_POLL_MS: String(o.hybrid.pollIntervalMs) }),
  };
}

export interface TargetRequest {
  method?: string;
  path: string;
  headers?: Array<[string, string]>;
  body?: string;
  /** The address the platform saw the client connect from. */
  platformIp: string;
}

export interface TargetResponse {
  status: number;
  headers: Headers;
  /** Every Set-Cookie header, separately. */
  setCookies: string[];
  body: string;
}

export interface TargetInstance {
  request(req: TargetRequest): Promise<TargetResponse>;
  /** The client IP the runtime must receive for a request the platform saw from `platformIp`. */
  expectedClientIp(platformIp: string): string;
  close(): Promise<void>;
}

export interface Target {
  /** e.g. `vercel-edge`, `cloudflare`, `lambda-apigw-v2`. */
  name: string;
  /**
   * Scenarios the platform itself makes impossible, by title, with the reason. They run as
   * expected failures: if one ever passes, the suite fails and the limitation is stale.
   */
  limitations?: Record<string, string>;
  start(options: TargetOptions): Promise<TargetInstance>;
}

/**
 * Every target protects the same tiny application, configured the same way:
 * - `failClosedRoutes: ['/checkout/**']`;
 * - `fields`: `{ email: <x-test-email header> }`;
 * - the application answers 200 with JSON `{ path, decision, decisionId, mode, upstream }`, where
 *   `decision`/`decisionId`/`mode` are the `x-esper-decision`, `x-esper-decision-id` and
 *   `x-esper-mode` request headers it received and `upstream` is the `x-upstream-test` request
 *   header, and sets the cookie `app=1; Path=/`.
 */
export const APP_CONTRACT = {
  failClosedRoutes: ['/checkout/**'],
  fieldsHeader: 'x-test-email',
  appCookie: 'app=1; Path=/',
} as const;

/** The app, as a Web handler; targets whose runtime speaks Web Request/Response reuse it. */
export function conformanceApp(request: Request): Response {
  const url = new URL(request.url);
  const body = {
    path: url.pathname,
    decision: request.headers.get('x-esper-decision'),
    decisionId: request.headers.get('x-esper-decision-id'),
    mode: request.headers.get('x-esper-mode'),
    upstream: request.headers.get('x-upstream-test'),
  };
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json', 'set-cookie': APP_CONTRACT.appCookie },
  });
}

export async function toTargetResponse(res: Response): Promise<TargetResponse> {
  return {
    status: res.status,
    headers: res.headers,
    setCookies: res.headers.getSetCookie(),
    body: await res.text(),
  };
}
