import { describe, expect, it } from 'vitest';
import { entityKey } from './entities.js';
import { SYSTEM_ENTITY_DEFINITIONS } from './system-entities.js';
import { validateEntityDefinition } from './validate.js';

const ipUa = { entity_definition_id: 'e', name: 'e', fields: ['client_ip', 'user_agent'] };

describe('entityKey', () => {
  it('joins the listed field values in order', () => {
    expect(entityKey(ipUa, { user_agent: 'UA', client_ip: '1.2.3.4', other: 'x' })).toBe(
      '1.2.3.4|UA',
    );
  });
  it('is absent when any listed field is missing', () => {
    expect(entityKey(ipUa, { client_ip: '1.2.3.4' })).toBeUndefined();
    expect(entityKey(ipUa, {})).toBeUndefined();
  });
  it('keeps different value splits apart', () => {
    const a = entityKey(ipUa, { client_ip: 'a|b', user_agent: 'c' });
    const b = entityKey(ipUa, { client_ip: 'a', user_agent: 'b|c' });
    const c = entityKey(ipUa, { client_ip: 'a%7Cb', user_agent: 'c' });
    expect(new Set([a, b, c]).size).toBe(3);
  });
  it('does not throw on lone surrogates', () => {
    expect(entityKey(ipUa, { client_ip: '\ud800', user_agent: 'x' })).toBe('\ud800|x');
  });
});

describe('SYSTEM_ENTITY_DEFINITIONS', () => {
  it('are valid definitions with unique sys_ ids', () => {
    const ids = SYSTEM_ENTITY_DEFINITIONS.map((e) => e.entity_definition_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of SYSTEM_ENTITY_DEFINITIONS) {
      expect(e.entity_definition_id.startsWith('sys_')).toBe(true);
      expect(validateEntityDefinition(e)).toEqual({ ok: true, value: e });
    }
  });
  it('include the seed examples', () => {
    const byId = Object.fromEntries(
      SYSTEM_ENTITY_DEFINITIONS.map((e) => [e.entity_definition_id, e.fields]),
    );
    expect(byId.sys_client_ip_user_agent).toEqual(['client_ip', 'user_agent']);
    expect(byId.sys_source_user_agent).toEqual(['source_id', 'request_header_user_agent']);
    expect(byId.sys_ip_referer).toEqual(['ip', 'referer']);
  });
});
