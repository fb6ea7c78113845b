import { withEsper } from '@esper/vercel';
import { contractOptions, settingsInCode } from '../../helpers/contract-options.js';
import { hybridOf } from '../fixtures/hybrid.js';
import { conformanceApp, type Target, type TargetRequest, toTargetResponse } from '../target.js';

const ORIGIN = 'https://esper-conformance.vercel.app';
// Headers Vercel's proxy writes itself, whatever the client sent.
const PLATFORM_IP_HEADERS = ['x-real-ip', 'x-vercel-forwarded-for', 'x-forwarded-for'];

/** Plays Vercel in front of the request: the client's copies of its headers are replaced. */
export function asVercel(req: TargetRequest, seq: number): Request {
  const headers = new Headers(req.headers);
  for (const name of PLATFORM_IP_HEADERS) headers.set(name, req.platformIp);
  headers.set('x-vercel-id', `fra1::conformance-${seq}`);
  return new Request(ORIGIN + req.path, {
    method: req.method ?? 'GET',
    headers,
    body: req.body,
  });
}

/**
 * Plays Next.js / Vercel after the middleware (Next's resolve-routes): a response marked
 * `x-middleware-next` continues to the application with the request headers the middleware
 * chose; its other headers are added to the application's response. Any other response is final.
 */
export async function afterMiddleware(
  request: Request,
  response: Response,
  app: (request: Request) => Response | Promise<Response>,
): Promise<Response> {
  const mw = response.headers;
  if (!mw.has('x-middleware-next')) return response;
  let headers = request.headers;
  const list = mw.get('x-middleware-override-headers');
  if (list !== null) {
    headers = new Headers();
    for (const name of list.split(',').map((s) => s.trim())) {
      const value = mw.get(`x-middleware-request-${name}`);
      if (name && value !== null) headers.set(name, value);
    }
  }
  const appResponse = await app(new Request(request, { headers }));
  const out = new Headers(appResponse.headers);
  mw.forEach((value, name) => {
    if (name.startsWith('x-middleware-') || name === 'set-cookie') return;
    if (!out.has(name)) out.set(name, value);
  });
  for (const cookie of mw.getSetCookie()) out.append('set-cookie', cookie);
  return new Response(appResponse.body, { status: appResponse.status, headers: out });
}

/** `@esper/vercel` called in this process, the way Next or Vercel Routing Middleware calls it. */
export function vercelTarget(name: string): Target {
  return {
    name,
    async start(options) {
      const hybrid = await hybridOf(options);
      const middleware = withEsper({
        ...contractOptions(hybrid?.decider),
        ...settingsInCode(options),
        env: {},
      });
      const background: Promise<unknown>[] = [];
      let seq = 0;
      const send = async (req: TargetRequest) => {
        const request = asVercel(req, seq++);
        const context = { waitUntil: (p: Promise<unknown>) => void background.push(p) };
        const response = await middleware(request, context);
        return toTargetResponse(await afterMiddleware(request, response, conformanceApp));
      };
      // A cold Node process spends ~150-250 ms on its first fetch (undici loads and compiles),
      // which can exceed the 300 ms budget; the instance takes one request before the suite,
      // as a deployed function would have. See the report on cold starts.
      await send({ path: '/__warmup', platformIp: '192.0.2.1' });
      return {
        request: send,
        expectedClientIp: (platformIp) => platformIp,
        async close() {
          await Promise.allSettled(background);
          await hybrid?.close();
        },
      };
    },
  };
}
