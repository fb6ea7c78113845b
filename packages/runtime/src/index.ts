// Policy-driven runtime: state, decisions and the server.

export {
  DEFINITION_KINDS,
  type DefinitionKind,
  type DefinitionListKey,
} from './admin/definitions.js';
// Admin API: the tenant's definitions (actions, entities, mitigations, policies, rules).
export { registerAdminApi, VERSION_HEADER } from './admin/definitions-api.js';
// `esper capture run`: the capturing reverse proxy (see the README, "esper capture run").
export {
  CAPTURE_EXIT,
  CAPTURE_USAGE,
  type Capture,
  type CaptureIo,
  type CaptureOptions,
  CaptureOriginError,
  type CaptureProxy,
  type CaptureProxyOptions,
  CaptureRecorder,
  type CaptureStats,
  CaptureUsageError,
  parseCaptureArgs,
  runCapture,
  startCapture,
  startCaptureProxy,
} from './capture/index.js';
// Challenges and clearance.
export {
  ChallengeStore,
  type PendingChallenge,
  solveProofOfWork,
} from './challenge/challenge-store.js';
export {
  type ClearanceCheck,
  type ClearanceClaims,
  type ClearanceSigner,
  type ClientBinding,
  createClearanceSigner,
} from './challenge/clearance.js';
// Building blocks of a command line that serves tenants.
export {
  type AdminTokenChoice,
  chooseAdminToken,
  gatherTenants,
  loadTenant,
  parseDifficulty,
  QUICKSTART_SECRET_SOURCE,
  type SecretSources,
  TENANT_CLI_OPTIONS,
  type TenantCliValues,
  type TenantStartup,
  tenantCliUsage,
  tenantStartupLines,
} from './cli/tenant-cli.js';
// The results console (see the README, "Results console").
export {
  type ActionCounts,
  type ActivityEvent,
  type ActivityOptions,
  type AuditRow,
  type ConsoleDataSource,
  type ConsoleRouteOptions,
  type ConsoleScope,
  type ConsoleSnapshot,
  consolePage,
  consoleRoutes,
  DecisionActivity,
  type EntityCounts,
  LATENCY_BOUNDS_US,
  type LatencyHistogram,
  type PolicyRow,
  runtimeConsoleSource,
  type SyncStatus,
  type TimelineBucket,
} from './console/index.js';
// Hybrid mode, origin side: configuration snapshots and locally made decisions.
export {
  DEFAULT_MAX_EVENT_IDS,
  EVENT_RETENTION_MS,
  EventLedger,
  type LedgerVerdict,
} from './hybrid/event-ledger.js';
export {
  type EventBatchResult,
  type EventWindow,
  type HybridEvent,
  MAX_EVENT_BATCH_BYTES,
  MAX_EVENTS_PER_BATCH,
  validateEventBatch,
} from './hybrid/events.js';
export {
  checkHybridCall,
  type HybridCall,
  type HybridLimits,
  type HybridRefusal,
} from './hybrid/hybrid-call.js';
export {
  EVENTS_PATH,
  type HybridRouteOptions,
  matchesEtag,
  registerHybridRoutes,
  SNAPSHOT_PATH,
} from './hybrid/hybrid-routes.js';
export {
  DEFAULT_CHALLENGE,
  PolicyRuntime,
  type PolicyRuntimeOptions,
} from './policy-runtime.js';
// Protocol v1 pieces any runtime (or mock) of the mitigation endpoint needs.
export { decisionBody, errorBody, newDecisionId } from './protocol/answers.js';
export { type BodyResult, readBodyCapped } from './protocol/body.js';
export {
  checkMitigationCall,
  DEFAULT_MAX_BODY_BYTES,
  MITIGATION_PATH,
  type MitigationCall,
  type MitigationCallLimits,
  type MitigationCallRefusal,
  type MitigationCallTrace,
} from './protocol/mitigation-call.js';
export { DEFAULT_MAX_REPLAY_ENTRIES, ReplayGuard, type ReplayVerdict } from './protocol/replay.js';
export type {
  Action,
  MitigationBody,
  RuntimeDecision,
  RuntimeKey,
  RuntimeLogger,
} from './protocol/types.js';
export { type ValidationResult, validateMitigationBody } from './protocol/validate.js';
export {
  type NodeBindings,
  nodeBindings,
  type RuntimeContext,
  type RuntimeEnv,
} from './server/env.js';
export { type ListeningServer, type ListenOptions, listen } from './server/listen.js';
export { registerRuntimeRoutes } from './server/routes.js';
export {
  createRuntimeApp,
  policyMitigationHandler,
  type RuntimeApp,
  type RuntimeAppOptions,
} from './server/runtime-app.js';
export { type RuntimeServer, type StartRuntimeOptions, startRuntime } from './server/start.js';
export { canonicalJson, configVersion, syncedConfig } from './tenants/config-version.js';
export { allowedReturnUrl, type OriginPattern, parseOriginPattern } from './tenants/origins.js';
// Tenants.
export { QUICKSTART_TENANT } from './tenants/quickstart.js';
export {
  type ParsedTenant,
  parseTenant,
  type TenantApiKey,
  TenantConfigError,
  type TenantDefinition,
} from './tenants/tenant.js';
export {
  type AuditEntry,
  type DecisionCounts,
  type DefinitionObject,
  type DefinitionSubject,
  type HybridOutcome,
  MemoryTenantState,
  type PolicyResults,
  type TenantResults,
  type TenantState,
} from './tenants/tenant-state.js';
export { MemoryTenantStore, type TenantStore } from './tenants/tenant-store.js';
