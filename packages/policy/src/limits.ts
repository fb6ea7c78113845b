/**
 * Bounds on operator-supplied configuration. They exist so that a hostile or broken config
 * cannot make validation or evaluation slow (deep recursion, huge fan-out), not to restrict
 * realistic policies, which are far smaller.
 */
export const LIMITS = {
  expressionDepth: 32,
  expressionNodes: 1000,
  valueLength: 4096,
  nameLength: 200,
  descriptionLength: 2000,
  actions: 256,
  entityDefinitions: 256,
  entityFields: 16,
  mitigations: 256,
  policies: 1000,
  clauses: 32,
  rules: 1000,
  idsPerList: 64,
} as const;

/** Ids as the console issues them: letters, digits, `_ . : -`. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const ID_HINT = 'an id of 1 to 128 letters, digits, _ . : -';

/**
 * Field names are lower case (the field model lower-cases header and query names, tenant
 * fields must match `^[a-z][a-z0-9_]*$`), so `Email` is a typo that would never match.
 * Allowed: lower-case letters, digits and the HTTP header token characters other than `-`,
 * which the field model turns into `_`.
 */
export const FIELD_NAME_PATTERN = /^[a-z0-9_.!#$%&'*+^`|~]{1,256}$/;
export const FIELD_NAME_HINT = 'a lower-case field name such as request_path or email';
