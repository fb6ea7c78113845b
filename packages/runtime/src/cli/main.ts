/** The `esper` bin's entry (bin/esper.js loads its build, dist/cli.js). */
import { main } from './esper.js';
import { processIo } from './io.js';

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`esper: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
