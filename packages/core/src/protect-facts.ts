import type { Geo } from './context.js';

/** What the platform knows about a request that the Web `Request` does not carry. */
export interface ProtectFacts {
  /**
   * The path the platform's router will route on, raw (origin-form, no query), when it is not
   * the `Request` URL's: the URL parser resolves dot segments and re-encodes, Node and Lambda
   * hand the application the path as sent. Route rules and the runtime see this path.
   */
  path?: string;
  /**
   * The `x-forwarded-for` header lines as received, in order, where the platform keeps them
   * apart (Node's `rawHeaders`, ALB multi-value events): some proxies (the Heroku router)
   * append to the first line only, which `Headers` would hide by joining them.
   */
  forwardedFor?: readonly string[];
  /** The address the platform vouches for: the socket peer, or a Lambda event's `sourceIp`. */
  remoteAddress?: string;
  /**
   * A client IP the adapter has already resolved with knowledge core lacks (e.g. Express's
   * `trust proxy` setting). Replaces the `clientIp` option's resolution; never pass a value a
   * client can choose.
   */
  clientIp?: string;
  geo?: Geo;
  /** The platform's request id (`cf-ray`, `x-vercel-id`, Lambda's `requestId`, …). */
  requestId?: string;
  /** The platform's `waitUntil`, given the decision's background work. */
  waitUntil?: (promise: Promise<unknown>) => void;
}
