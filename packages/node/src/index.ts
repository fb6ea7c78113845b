export {
  type Decision,
  EsperConfigError,
  type EsperOptions,
} from '@esper/core';
export { createEsperNode } from './esper.js';
export { routedTarget } from './target.js';
export type {
  EsperKoaState,
  EsperNodeInstance,
  EsperNodeOptions,
  KoaContextLike,
  NodeListener,
  NodeRequest,
  NodeResponse,
} from './types.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
