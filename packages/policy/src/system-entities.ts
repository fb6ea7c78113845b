import type { EntityDefinition } from './types.js';

/**
 * The entity definitions every tenant starts with ("New tenants already start with bundled
 * system entity definitions"). Tenant definitions may not reuse these ids. The field lists
 * are the seeds' own examples, in field-model names.
 */
export const SYSTEM_ENTITY_DEFINITIONS: readonly EntityDefinition[] = Object.freeze([
  { entity_definition_id: 'sys_client_ip', name: 'Client IP', fields: ['client_ip'] },
  {
    entity_definition_id: 'sys_client_ip_user_agent',
    name: 'Client IP + user agent',
    fields: ['client_ip', 'user_agent'],
  },
  {
    entity_definition_id: 'sys_source_user_agent',
    name: 'Source + user agent',
    fields: ['source_id', 'request_header_user_agent'],
  },
  { entity_definition_id: 'sys_ip_referer', name: 'IP + referer', fields: ['ip', 'referer'] },
  // Sessions have no field of their own in the field model; integrations send the session
  // identifier as the tenant field `session_id`.
  { entity_definition_id: 'sys_session_id', name: 'Session', fields: ['session_id'] },
]);

export const DEFAULT_ENTITY_DEFINITION_ID = 'sys_client_ip';
export const DEFAULT_SESSION_ENTITY_DEFINITION_ID = 'sys_session_id';
