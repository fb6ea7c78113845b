export type { AbortEmitter } from './call-abort.js';
export { createEsper, type Esper, type ProtectFacts } from './client.js';
export { type ClientIpOptions, type ClientIpPreset, createClientIpResolver } from './client-ip.js';
export { cloudflareGeo } from './cloudflare-geo.js';
export {
  DEFAULT_API_BASE,
  type EnforcementMode,
  type EsperOptions,
  type FailMode,
  type ResolvedConfig,
  RUNTIME_PATH,
  resolveConfig,
  type TenantFields,
} from './config.js';
export {
  CLEARANCE_NAME,
  type Geo,
  /** @deprecated Use `FIELD_LIMITS`: `@esper/policy` exports limits of its own. */
  LIMITS,
  LIMITS as FIELD_LIMITS,
  type RuntimeRequestBody,
} from './context.js';
export type {
  CacheScope,
  Decision,
  DecisionAction,
  DecisionReason,
  DecisionSource,
  FailureReason,
  HeaderPair,
  RuntimeAnswer,
} from './decision.js';
export { parseRuntimeAnswer, runtimeAnswerFrom } from './decision.js';
export { EsperConfigError, ResponseTooLargeError } from './errors.js';
export { cidrContains, normalizeIp, parseCidr, parseIp } from './ip.js';
export type { LocalDecideContext, LocalDecider } from './local-decider.js';
export type { Logger } from './logger.js';
export { decisionRequest, safeHost } from './request.js';
export {
  blockResponse,
  challengeResponse,
  DECISION_HEADER,
  DECISION_ID_HEADER,
  DECISION_MODE_HEADER,
  wantsHtml,
} from './respond.js';
export { isStaticAsset, type RoutePattern, type Routing } from './routes.js';
export * from './signing.js';
export type { EsperStats } from './stats.js';
export {
  createFetchTransport,
  readCapped,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
export type { WebBytes, WebCrypto, WebCryptoKey, WebSubtleCrypto } from './web-types.js';
