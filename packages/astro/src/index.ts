import type { Decision } from '@esper/core';

export type { Decision, EsperOptions } from '@esper/core';
export { type AstroEsperOptions, esper } from './middleware.js';
export { SDK_NAME, SDK_VERSION } from './version.js';

declare global {
  namespace App {
    interface Locals {
      /**
       * The decision `esper()` made for this request. Absent while a route is prerendered at
       * build time: its file is then served without any middleware (see the README).
       */
      esper?: Decision;
    }
  }
}
