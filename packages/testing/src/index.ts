export { DEFAULT_ANSWER, decisionBody } from './answers.js';
export { createMockRuntimeApp, type MockRuntimeApp } from './app.js';
export { solveProofOfWork } from './challenge-store.js';
export {
  type ClearanceCheck,
  type ClearanceClaims,
  type ClearanceSigner,
  createClearanceSigner,
} from './clearance.js';
export {
  DEFAULT_CHALLENGE,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TEST_KEY,
  MockController,
} from './controller.js';
export type { MockBindings, MockEnv } from './env.js';
export { matches } from './match.js';
export { MITIGATION_PATH } from './mitigation.js';
export { QUICKSTART_TENANT } from './quickstart.js';
export { type MockRuntime, type StartMockRuntimeOptions, startMockRuntime } from './server.js';
export {
  type MockTenant,
  type MockTenantKey,
  parseTenant,
  TenantConfigError,
} from './tenant.js';
export type { AuditEntry, PolicyResults, TenantResults } from './tenant-state.js';
export type * from './types.js';
export { type ValidationResult, validateMitigationBody } from './validate.js';
