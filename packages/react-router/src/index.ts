export type { Decision, EsperOptions } from '@esper/core';
export { type EsperGuard, esperGuard } from './guard.js';
export {
  type Connection,
  type ConnectionSource,
  connectionOf,
  esperLoadContext,
} from './load-context.js';
export {
  type EsperMiddleware,
  esperContext,
  esperMiddleware,
  esperRequestHeaders,
  type ReactRouterEsperOptions,
  type RoutedArgs,
  routedPath,
} from './middleware.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
