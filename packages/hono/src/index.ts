import type { Decision } from '@esper/core';

export type { Decision, EsperOptions } from '@esper/core';
export { type EsperEnv, esper, type HonoEsperOptions } from './middleware.js';
export { SDK_NAME, SDK_VERSION, VERSION } from './version.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The decision `esper()` made for this request. */
    esper: Decision;
  }
}
