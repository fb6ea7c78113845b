/**
 * The real Bun and Deno binaries of this package's devDependencies. Their npm packages put
 * the binary in place with a postinstall script, which pnpm does not run; the platform
 * packages they depend on (optional dependencies) hold the binary itself, resolved here.
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = createRequire(import.meta.url);

function binaryOf(pkg: string, candidates: string[], file: string): string {
  const from = createRequire(here.resolve(`${pkg}/package.json`));
  for (const name of candidates) {
    try {
      const bin = join(dirname(from.resolve(`${name}/package.json`)), file);
      accessSync(bin, constants.X_OK);
      return bin;
    } catch {}
  }
  throw new Error(`no ${pkg} binary for ${process.platform}-${process.arch}: tried ${candidates}`);
}

const arch = process.arch === 'arm64' ? 'aarch64' : 'x64';

/** The `bun` binary (`@oven/bun-<platform>-<arch>`, its baseline or musl builds). */
export const bunBinary = (): string =>
  binaryOf(
    'bun',
    [
      `@oven/bun-${process.platform}-${arch}`,
      `@oven/bun-${process.platform}-${arch}-baseline`,
      `@oven/bun-${process.platform}-${arch}-musl`,
    ],
    'bin/bun',
  );

/** The `deno` binary (`@deno/<platform>-<arch>[-glibc]`). */
export const denoBinary = (): string => {
  const a = process.arch === 'arm64' ? 'arm64' : 'x64';
  return binaryOf(
    'deno',
    [`@deno/${process.platform}-${a}-glibc`, `@deno/${process.platform}-${a}`],
    'deno',
  );
};
