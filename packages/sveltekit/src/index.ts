import type { Decision } from '@esper/core';

export type { Decision, EsperOptions } from '@esper/core';
export { type EsperHandle, esperHandle, type SvelteKitEsperOptions } from './handle.js';
export { SDK_NAME, SDK_VERSION } from './version.js';

declare global {
  namespace App {
    interface Locals {
      /** The decision `esperHandle()` made for this request. */
      esper: Decision;
    }
  }
}
