export { type LambdaEsperOptions, type LambdaHandler, withEsper } from './handler.js';
export { type EsperMiddleware, esperMiddleware, type MiddyRequest } from './middy.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
