export {
  type AnswerClearance,
  type AnswerRequestBody,
  type BuildAnswerOptions,
  buildAnswer,
  clearanceWaives,
  type PolicyAnswer,
} from './answer.js';
export {
  type CacheScope,
  CLIENT_KEY_FIELDS,
} from './cache-scope.js';
export {
  compareValues,
  isNumeric,
  NUMERIC,
} from './compare.js';
export {
  type CompiledExpression,
  compileExpression,
  type EvalContext,
  fieldContext,
} from './compile.js';
export {
  compilePolicyEngine,
  createPolicyEngine,
  PolicyConfigError,
  type PolicyEngine,
  type PolicyEngineOptions,
} from './engine.js';
export { entityKey } from './entities.js';
export type {
  /** @deprecated Use `PolicyDecision`: `@esper/core` exports a `Decision` of its own. */
  Decision,
  Decision as PolicyDecision,
  Match,
} from './evaluate.js';
export { encodeFields, isReservedFieldName, type KeyContext } from './fields.js';
export type { ValidationError, ValidationResult } from './issues.js';
export {
  /** @deprecated Use `POLICY_LIMITS`: `@esper/core` exports field-model limits of its own. */
  LIMITS,
  LIMITS as POLICY_LIMITS,
} from './limits.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export type { Action, Mode } from './outcomes.js';
export { SEVERITY } from './outcomes.js';
export { clausesOf } from './policy.js';
export { readTenantConfig } from './read-tenant.js';
export type {
  PolicyStore,
  RecordOptions,
  StateRead,
  StoreBatch,
  StoreBatchResult,
  WindowIncrement,
} from './store.js';
export {
  DEFAULT_ENTITY_DEFINITION_ID,
  DEFAULT_SESSION_ENTITY_DEFINITION_ID,
  SYSTEM_ENTITY_DEFINITIONS,
} from './system-entities.js';
export * from './types.js';
export {
  validateAction,
  validateEntityDefinition,
  validateMitigation,
  validatePolicy,
  validateRule,
  validateTenantConfig,
  validateWindow,
} from './validate.js';
export { validateExpression } from './validate-expression.js';
