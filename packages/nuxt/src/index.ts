export type { Decision, EsperOptions } from '@esper/core';
export { type EsperNuxtOptions, esperHandler } from './handler.js';
export { SDK_NAME, SDK_VERSION } from './version.js';

declare module 'h3' {
  interface H3EventContext {
    /** The decision `esperHandler()` made for this request (set before later handlers run). */
    esper?: import('@esper/core').Decision;
  }
}
