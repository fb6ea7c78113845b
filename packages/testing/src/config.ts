import { readFile } from 'node:fs/promises';
import { parseTenant } from '@esper/runtime';
import type { StartMockRuntimeOptions } from './server.js';
import type { MockKey, MockScript } from './types.js';

/**
 * The JSON config of `esper-mock --config`. JSON has no RegExp, so a matcher value may be
 * written `{ "regex": "^/api/", "flags": "i" }`.
 */
export interface MockConfigFile {
  port?: number;
  host?: string;
  keys?: MockKey[];
  answers?: MockScript[];
  defaultAnswer?: StartMockRuntimeOptions['defaultAnswer'];
  signatureToleranceSeconds?: number;
  maxBodyBytes?: number;
  validateBody?: boolean;
  replayProtection?: boolean;
  /** Tenants in the `--tenant` file form, validated at start-up. */
  tenants?: unknown[];
  challenge?: StartMockRuntimeOptions['challenge'];
  decisionTtlSeconds?: StartMockRuntimeOptions['decisionTtlSeconds'];
  adminToken?: string;
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj.regex === 'string')
    return new RegExp(obj.regex, typeof obj.flags === 'string' ? obj.flags : '');
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, revive(v)]));
}

export function parseConfig(text: string, source = 'config'): MockConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: expected a JSON object`);
  }
  const config = raw as MockConfigFile;
  if (config.answers !== undefined) {
    if (!Array.isArray(config.answers)) throw new Error(`${source}: "answers" must be an array`);
    config.answers = config.answers.map((script, i) => {
      if (typeof script !== 'object' || script === null || typeof script.answer !== 'object') {
        throw new Error(`${source}: answers[${i}] needs an "answer" object`);
      }
      return script.match === undefined
        ? script
        : { ...script, match: revive(script.match) as MockScript['match'] };
    });
  }
  if (config.keys !== undefined) {
    if (!Array.isArray(config.keys)) throw new Error(`${source}: "keys" must be an array`);
    config.keys.forEach((key, i) => {
      if (typeof key?.apiKey !== 'string' || typeof key.secret !== 'string') {
        throw new Error(`${source}: keys[${i}] needs string "apiKey" and "secret"`);
      }
    });
  }
  if (config.tenants !== undefined) {
    if (!Array.isArray(config.tenants)) throw new Error(`${source}: "tenants" must be an array`);
    config.tenants.forEach((tenant, i) => {
      parseTenant(tenant, source, `$.tenants[${i}]`);
    });
  }
  return config;
}

export async function loadConfig(file: string): Promise<MockConfigFile> {
  return parseConfig(await readFile(file, 'utf8'), file);
}
