// Types for next-app.mjs, so the tests (TypeScript) can import it.
export const NEXT_ENV: { NEXT_TELEMETRY_DISABLED: string; CI: string };

export interface NextApp {
  appDir: string;
  /** The `next` CLI: node_modules/next/dist/bin/next of the app or of the package it links to. */
  nextBin: string;
}

export interface RunningNextApp {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  stop(): Promise<void>;
}

export function buildNextApp(app: NextApp): Promise<void>;
export function startNextApp(
  options: NextApp & {
    env: Record<string, string | undefined>;
    ready: (origin: string) => Promise<unknown>;
  },
): Promise<RunningNextApp>;
