/**
 * What every `esper` command gets: where to print, the environment, and stdin (for the secret
 * prompt). `main` passes the process's; tests pass their own.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** For `esper init`'s no-echo prompt; only used when it is a TTY. */
  stdin?: NodeJS.ReadStream | undefined;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stdin: process.stdin,
  };
}

/** Documented in the README ("The esper CLI"); every command returns one of these. */
export const EXIT = {
  ok: 0,
  /** Something failed at run time (an unexpected error, the server could not listen). */
  failure: 1,
  /** Unknown command or flag, missing or bad argument. */
  usage: 2,
  /** `~/.esper` missing or invalid: a file, line and field are printed. */
  config: 3,
  /** Another daemon uses the data directory. */
  locked: 4,
  /** Origin unreachable, refused the call, or served a snapshot that does not validate. */
  origin: 5,
} as const;

export class UsageError extends Error {}
