import { childPath, type Issues, type JsonObject, readArray, readString } from './issues.js';
import { ID_HINT, ID_PATTERN, LIMITS } from './limits.js';

export type Parser<T> = (json: unknown, path: string, issues: Issues) => T | undefined;

export function has(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

export const readId = (value: unknown, path: string, issues: Issues) =>
  readString(value, path, issues, { pattern: ID_PATTERN, patternHint: ID_HINT });
export const readName = (value: unknown, path: string, issues: Issues) =>
  readString(value, path, issues, { min: 1, max: LIMITS.nameLength });

export function readIdList(value: unknown, path: string, issues: Issues): string[] | undefined {
  const items = readArray(value, path, issues, { max: LIMITS.idsPerList });
  if (!items) return undefined;
  const ids: string[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const id = readId(item, childPath(path, i), issues);
    if (id === undefined) return;
    if (seen.has(id)) issues.add(childPath(path, i), `duplicate id '${id}'`);
    seen.add(id);
    ids.push(id);
  });
  return ids.length === items.length ? ids : undefined;
}
