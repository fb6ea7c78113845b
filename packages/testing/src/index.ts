// The protocol mock: scripted answers, faults and recording.

// Tenants, policy decisions and challenges are @esper/runtime's; re-exported under the names
// this package has always used, so existing imports keep working.
export {
  type AuditEntry,
  type ClearanceCheck,
  type ClearanceClaims,
  type ClearanceSigner,
  createClearanceSigner,
  type NodeBindings as MockBindings,
  type PolicyResults,
  parseTenant,
  QUICKSTART_TENANT,
  type RuntimeEnv as MockEnv,
  solveProofOfWork,
  type TenantApiKey as MockTenantKey,
  TenantConfigError,
  type TenantDefinition as MockTenant,
  type TenantResults,
  type ValidationResult,
  validateMitigationBody,
} from '@esper/runtime';
export { DEFAULT_ANSWER, decisionBody } from './answers.js';
export { createMockRuntimeApp, type MockRuntimeApp } from './app.js';
export {
  DEFAULT_CHALLENGE,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TEST_KEY,
  MockController,
} from './controller.js';
export { matches } from './match.js';
export { MITIGATION_PATH } from './mitigation.js';
export { type MockRuntime, type StartMockRuntimeOptions, startMockRuntime } from './server.js';
export type * from './types.js';
