#!/usr/bin/env node
// The `esper` bin. It is committed (unlike dist/), so a package manager can link it even before
// the package is built: pnpm links a workspace's bins at install time, before any build. The
// CLI itself is dist/cli.js, built from src/cli/main.ts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  // Only possible in a source checkout (a published package always has dist/).
  process.stderr.write(
    `esper: ${fileURLToPath(cli)} does not exist: @esper/runtime has not been built.\n` +
      'From the repository root, build the packages with: npx -y pnpm@10 build\n',
  );
  process.exit(1);
}
await import(cli.href);
