#!/usr/bin/env node
import { main } from './cli-main.js';

// No top-level await: tsup also emits a CommonJS copy of this entry.
main(process.argv.slice(2)).then(
  (result) => {
    if ('code' in result) {
      process.exitCode = result.code;
      return;
    }
    const { runtime } = result;
    const stop = () => {
      // A second signal while closing means "now".
      process.once('SIGINT', () => process.exit(130));
      runtime.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (err: unknown) => {
    process.stderr.write(`esper-mock: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
