import type { EntityDefinition, Fields } from './types.js';

/**
 * The identity of one entity: its field values joined with `|`, with `%` and `|` inside a
 * value escaped as `%25` and `%7C` so the join stays unambiguous while IPs and user agents
 * stay readable. (Not `encodeURIComponent`: it throws on a lone surrogate, which JSON can
 * carry.) Undefined when any field is missing: a partial identity would lump unrelated
 * clients together.
 */
export function entityKey(definition: EntityDefinition, fields: Fields): string | undefined {
  let key = '';
  for (let i = 0; i < definition.fields.length; i++) {
    const value = fields[definition.fields[i] as string];
    if (typeof value !== 'string') return undefined;
    key += (i === 0 ? '' : '|') + escapePart(value);
  }
  return key;
}

function escapePart(value: string): string {
  if (value.indexOf('%') === -1 && value.indexOf('|') === -1) return value;
  return value.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

/** Where an entity's counters and state live; tenant and definition ids cannot contain `|`. */
export function storeKey(tenantId: string, entity: EntityDefinition, key: string): string {
  return `${tenantId}|${entity.entity_definition_id}|${key}`;
}

/** The tenant-wide total that traffic-share windows divide by. */
export function tenantTotalKey(tenantId: string): string {
  return `${tenantId}|*`;
}
