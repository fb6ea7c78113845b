export type { Decision, EsperOptions } from '@esper/core';
export type { MiddlewareContext } from './facts.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
export {
  type EsperMiddleware,
  type EsperVercelOptions,
  type Middleware,
  withEsper,
} from './with-esper.js';
