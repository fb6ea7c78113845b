/**
 * One daemon per data directory: `data/daemon.lock` holds the pid of the daemon using it,
 * created with O_EXCL. A lock whose pid no longer runs is stale (a `kill -9`, a crash) and is
 * taken over; a live one makes the second daemon refuse to start.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(
      `${lockFile}: another esper daemon (pid ${pid}) is using this data directory; stop it or set ESPER_HOME to another directory`,
    );
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockPid(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws `DataDirLockedError`; returns its release. */
export function acquireLock(lockFile: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = lockPid(lockFile);
      if (pid !== undefined && pid !== process.pid && alive(pid)) {
        throw new DataDirLockedError(lockFile, pid);
      }
      // Stale (its process is gone) or unreadable (torn at creation): take it over.
      rmSync(lockFile, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return () => {
      if (lockPid(lockFile) === process.pid) rmSync(lockFile, { force: true });
    };
  }
  throw new Error(`${lockFile}: could not take the lock (another daemon is starting?)`);
}
