export {
  type Decision,
  EsperConfigError,
  type EsperOptions,
} from '@esper/core';
export { type EsperFastifyOptions, esper } from './plugin.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
