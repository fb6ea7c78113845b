/**
 * One sync from origin into the cache, as `esper sync` runs it: `If-None-Match` with the cached
 * version (none when the cache is missing or refused), validate what came, swap the file
 * atomically, and report per kind what changed.
 */
import { utimesSync } from 'node:fs';
import { type Snapshot, validateSnapshot } from '@esper/hybrid';
import {
  type CacheRead,
  cachedEtag,
  diffKind,
  type KindChanges,
  readCache,
  SYNC_KINDS,
  type SyncKind,
  writeCache,
} from './cache.js';
import type { EsperFileError } from './files.js';
import type { OriginCalls } from './origin.js';

export interface SyncOutcome {
  /** 304: the cache is current. */
  notModified: boolean;
  version: string;
  previousVersion: string | undefined;
  changes: Record<SyncKind, KindChanges>;
  snapshot: Snapshot;
  /** The cache that was there and was refused (then replaced), if any. */
  refusedCache: EsperFileError | undefined;
}

export class InvalidSnapshotError extends Error {}

export async function syncToCache(file: string, origin: OriginCalls): Promise<SyncOutcome> {
  const cached: CacheRead = readCache(file);
  const before = cached.ok ? cached.value.snapshot : undefined;
  const refusedCache = !cached.ok && !cached.missing ? cached.error : undefined;
  const answer = await origin.snapshot(before ? cachedEtag(file, before) : undefined);
  const none = (): KindChanges => ({ added: [], changed: [], removed: [] });
  if (answer.status === 304 && before) {
    // The cache's modification time is when origin last confirmed it (`esper status`).
    const now = new Date();
    utimesSync(file, now, now);
    const changes = Object.fromEntries(
      Object.keys(SYNC_KINDS).map((k) => [k, none()]),
    ) as unknown as Record<SyncKind, KindChanges>;
    return {
      notModified: true,
      version: before.version,
      previousVersion: before.version,
      changes,
      snapshot: before,
      refusedCache,
    };
  }
  if (answer.status === 304) throw new Error('origin answered 304 to a request without a version');
  const checked = validateSnapshot(answer.json);
  if (!checked.ok) {
    const first = checked.errors[0];
    throw new InvalidSnapshotError(
      `origin's snapshot does not validate (${first?.path}: ${first?.message}); the cache was left as it was`,
    );
  }
  writeCache(file, answer.json, answer.etag);
  const after = checked.value;
  const changes = Object.fromEntries(
    (Object.keys(SYNC_KINDS) as SyncKind[]).map((k) => [k, diffKind(before, after, k)]),
  ) as Record<SyncKind, KindChanges>;
  return {
    notModified: false,
    version: after.version,
    previousVersion: before?.version,
    changes,
    snapshot: after,
    refusedCache,
  };
}
