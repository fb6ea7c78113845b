export { DEFAULT_ANSWER, decisionBody } from './answers.js';
export { createMockRuntimeApp, type MockRuntimeApp } from './app.js';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_TEST_KEY, MockController } from './controller.js';
export type { MockBindings, MockEnv } from './env.js';
export { matches } from './match.js';
export { MITIGATION_PATH } from './mitigation.js';
export { type MockRuntime, type StartMockRuntimeOptions, startMockRuntime } from './server.js';
export type * from './types.js';
export { type ValidationResult, validateMitigationBody } from './validate.js';
