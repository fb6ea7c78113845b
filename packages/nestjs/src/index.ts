export {
  type Decision,
  EsperConfigError,
  type EsperOptions,
} from '@esper/core';
export { EsperDecision } from './decorator.js';
export {
  type EsperNest,
  type EsperNestOptions,
  esperOf,
  type NestAppLike,
  useEsper,
} from './use-esper.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
