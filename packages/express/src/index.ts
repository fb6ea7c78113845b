import type { Decision } from '@esper/core';

export {
  type Decision,
  EsperConfigError,
  type EsperOptions,
} from '@esper/core';
export { type EsperExpressOptions, type EsperMiddleware, esper } from './middleware.js';
export { SDK_NAME, SDK_VERSION, VERSION } from './version.js';

declare global {
  // Express 4 and 5 typings both merge this global interface into their `Request`.
  namespace Express {
    interface Request {
      /** The decision for this request, set by the `esper()` middleware before `next()`. */
      esper?: Decision;
    }
  }
}
