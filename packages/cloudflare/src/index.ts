export type { Decision, EsperOptions } from '@esper/core';
export type { CloudflareEsperOptions } from './client.js';
export { withEsper } from './handler.js';
export type { ExecutionContextLike, FetchHandler, WorkerHandler } from './types.js';
export { SDK_NAME, SDK_VERSION, VERSION } from './version.js';
