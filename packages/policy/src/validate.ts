import { Issues, type ValidationResult } from './issues.js';
import type { Parser } from './validate-common.js';
import {
  parseAction,
  parseEntityDefinition,
  parseMitigation,
  parseRule,
} from './validate-definitions.js';
import { parsePolicy, parseWindow } from './validate-policy.js';
import { parseTenantConfig } from './validate-tenant.js';

function run<T>(parse: Parser<T>, json: unknown): ValidationResult<T> {
  const issues = new Issues();
  const value = parse(json, '$', issues);
  return issues.result(value);
}

export const validateRule = (json: unknown) => run(parseRule, json);
export const validateAction = (json: unknown) => run(parseAction, json);
export const validateEntityDefinition = (json: unknown) => run(parseEntityDefinition, json);
export const validateMitigation = (json: unknown) => run(parseMitigation, json);
export const validateWindow = (json: unknown) => run(parseWindow, json);
/** Validates one policy in either form; references to other objects are not checked. */
export const validatePolicy = (json: unknown) => run(parsePolicy, json);
/** Validates a whole tenant, including that every referenced id exists. */
export const validateTenantConfig = (json: unknown) => run(parseTenantConfig, json);
