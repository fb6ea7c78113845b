export type { Decision, EsperOptions } from '@esper/core';
export { SDK_NAME, SDK_VERSION } from './version.js';
export {
  decisionOf,
  type EsperFetchHandler,
  type FetchClientIpOptions,
  type FetchEsperOptions,
  runtimeRequest,
  withEsper,
} from './with-esper.js';
