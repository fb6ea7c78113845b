// Types for node-process.mjs, so the tests (TypeScript) can import it.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface NodeProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything it has printed so far, stdout and stderr together. */
  output(): string;
  /** SIGTERM, then waits for it to exit; rejects if it had to be killed 5 s later. */
  stop(): Promise<void>;
}

export interface ListeningExample {
  /** http://127.0.0.1:PORT */
  origin: string;
  stop(): Promise<void>;
}

export interface NodeCommand {
  cwd: string;
  args: string[];
  env: Record<string, string | undefined>;
}

export function freePort(): Promise<number>;
export function runNode(cwd: string, args: string[], env?: Record<string, string>): Promise<string>;
export function startNodeProcess(command: NodeCommand): NodeProcess;
export function startListeningExample(command: NodeCommand): Promise<ListeningExample>;
export function waitUntilAnswering(
  app: NodeProcess,
  name: string,
  ready: () => Promise<unknown>,
): Promise<void>;
