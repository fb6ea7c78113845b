/**
 * The snapshot cache, `cache/snapshot.json`: the last snapshot origin served that validated,
 * exactly as served (its `version` is its ETag). Written whole (temp file + rename), read and
 * validated whole; a corrupt or hand-edited cache is refused with file, line and field, and
 * `esper sync` / `esper run` then fetch it again.
 */
import { readFileSync, rmSync } from 'node:fs';
import { type Snapshot, validateSnapshot } from '@esper/hybrid';
import { writeFileAtomic } from './atomic.js';
import { EsperFileError } from './files.js';

/** The seeds' `esper sync <kind>` kinds, and where each lives in the configuration. */
export const SYNC_KINDS = {
  actions: { key: 'actions', id: 'action_id' },
  entities: { key: 'entity_definitions', id: 'entity_definition_id' },
  policies: { key: 'policies', id: 'policy_id' },
  mitigations: { key: 'mitigations', id: 'mitigation_id' },
  rules: { key: 'rules', id: 'rule_id' },
} as const;

export type SyncKind = keyof typeof SYNC_KINDS;

export interface CachedSnapshot {
  snapshot: Snapshot;
  /** The JSON as origin served it (what `createHybrid`'s `bootstrap` takes). */
  json: unknown;
}

export type CacheRead =
  | { ok: true; value: CachedSnapshot }
  | { ok: false; missing: true }
  | { ok: false; missing: false; error: EsperFileError };

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/** The line where a JSON path's last key first appears (the cache is written pretty-printed). */
function lineOfPath(text: string, path: string): number | undefined {
  const keys = [...path.matchAll(/\.([A-Za-z_][\w]*)/g)].map((m) => m[1]);
  let from = 0;
  for (const key of keys) {
    const at = text.indexOf(`"${key}"`, from);
    if (at < 0) break;
    from = at;
  }
  return from > 0 ? lineOfOffset(text, from) : undefined;
}

export function readCache(file: string): CacheRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true };
    const error = new EsperFileError(file, undefined, '(file)', String(err));
    return { ok: false, missing: false, error };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    const line = pos ? lineOfOffset(text, Number(pos[1])) : undefined;
    return { ok: false, missing: false, error: new EsperFileError(file, line, '(json)', message) };
  }
  const checked = validateSnapshot(json);
  if (!checked.ok) {
    const first = checked.errors[0] ?? { path: '$', message: 'invalid' };
    const error = new EsperFileError(file, lineOfPath(text, first.path), first.path, first.message);
    return { ok: false, missing: false, error };
  }
  return { ok: true, value: { snapshot: checked.value, json } };
}

/**
 * The snapshot, then its ETag beside it (`snapshot.etag`). In that order: a crash between the
 * two leaves an older ETag, which only costs one full fetch, never a 304 for the wrong snapshot.
 */
export function writeCache(file: string, json: unknown, etag: string | undefined): void {
  writeFileAtomic(file, `${JSON.stringify(json, null, 2)}\n`, 0o600);
  if (etag) writeFileAtomic(`${file}.etag`, etag, 0o600);
  else rmSync(`${file}.etag`, { force: true });
}

/** The ETag origin served the cached snapshot with (falls back to its version, quoted). */
export function cachedEtag(file: string, snapshot: Snapshot): string {
  try {
    const etag = readFileSync(`${file}.etag`, 'utf8').trim();
    if (/^(W\/)?"[^"]*"$/.test(etag)) return etag;
  } catch {}
  return `"${snapshot.version}"`;
}

export interface KindChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

function byId(list: unknown, id: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    const key = (item as Record<string, unknown>)?.[id];
    if (typeof key === 'string') out.set(key, JSON.stringify(item));
  }
  return out;
}

/** Ids added, changed and removed in one kind between two snapshots (`before` may be none). */
export function diffKind(
  before: Snapshot | undefined,
  after: Snapshot,
  kind: SyncKind,
): KindChanges {
  const { key, id } = SYNC_KINDS[kind];
  const old = byId((before?.config as Record<string, unknown> | undefined)?.[key], id);
  const now = byId((after.config as unknown as Record<string, unknown>)[key], id);
  const changes: KindChanges = { added: [], changed: [], removed: [] };
  for (const [k, v] of now) {
    const was = old.get(k);
    if (was === undefined) changes.added.push(k);
    else if (was !== v) changes.changed.push(k);
  }
  for (const k of old.keys()) if (!now.has(k)) changes.removed.push(k);
  return changes;
}

export function countOf(snapshot: Snapshot, kind: SyncKind): number {
  const list = (snapshot.config as unknown as Record<string, unknown>)[SYNC_KINDS[kind].key];
  return Array.isArray(list) ? list.length : 0;
}
