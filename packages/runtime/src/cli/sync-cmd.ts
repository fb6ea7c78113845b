/** `esper sync [actions|entities|policies|mitigations|rules]`: the snapshot into the cache. */
import { parseArgs } from 'node:util';
import { countOf, type KindChanges, SYNC_KINDS, type SyncKind } from '../daemon/cache.js';
import { readSettings } from '../daemon/files.js';
import { ensureHomeDirs, esperHome } from '../daemon/home.js';
import { originCalls } from '../daemon/origin.js';
import { syncToCache } from '../daemon/sync.js';
import { type CliIo, EXIT, UsageError } from './io.js';

export const SYNC_USAGE = `Usage: esper sync [actions|entities|policies|mitigations|rules]...

Pulls the tenant's snapshot from origin (GET /api/v1/hybrid/snapshot, signed, If-None-Match
with the cached version) into ~/.esper/cache/snapshot.json, validates it and replaces the
cache atomically, then prints what changed (added +id, changed ~id, removed -id) in the kinds
named (all when none is). The kinds refer to each other, so the snapshot is always synced
whole; the kinds only choose what is printed.

  -h, --help   this help
`;

function describe(kind: string, c: KindChanges, total: number): string {
  const parts = [
    ...c.added.map((id) => `+${id}`),
    ...c.changed.map((id) => `~${id}`),
    ...c.removed.map((id) => `-${id}`),
  ];
  return parts.length === 0
    ? `  ${kind}: unchanged (${total})\n`
    : `  ${kind}: ${parts.join(' ')} (${total} now)\n`;
}

export async function runSync(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(SYNC_USAGE);
    return EXIT.ok;
  }
  for (const p of positionals)
    if (!(p in SYNC_KINDS))
      throw new UsageError(`unknown kind "${p}": expected ${Object.keys(SYNC_KINDS).join(', ')}`);
  const kinds = (positionals.length > 0 ? positionals : Object.keys(SYNC_KINDS)) as SyncKind[];
  const home = esperHome(io.env);
  const { config, credentials } = readSettings(home);
  ensureHomeDirs(home);
  const outcome = await syncToCache(home.snapshot, originCalls(config, credentials));
  if (outcome.refusedCache) {
    io.stderr(
      `esper sync: refused the cache (${outcome.refusedCache.message}); fetched it again\n`,
    );
  }
  if (outcome.notModified) {
    io.stdout(`snapshot ${outcome.version} is current (304 Not Modified)\n`);
    for (const kind of kinds)
      io.stdout(describe(kind, outcome.changes[kind], countOf(outcome.snapshot, kind)));
    return EXIT.ok;
  }
  const was = outcome.previousVersion ?? 'none';
  io.stdout(`synced snapshot ${outcome.version} (was ${was}) into ${home.snapshot}\n`);
  for (const kind of kinds)
    io.stdout(describe(kind, outcome.changes[kind], countOf(outcome.snapshot, kind)));
  const others = (Object.keys(SYNC_KINDS) as SyncKind[]).filter((k) => {
    const c = outcome.changes[k];
    return !kinds.includes(k) && c.added.length + c.changed.length + c.removed.length > 0;
  });
  if (others.length > 0)
    io.stdout(`  also changed (the snapshot is synced whole): ${others.join(', ')}\n`);
  return EXIT.ok;
}
