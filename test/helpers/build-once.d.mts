// Types for build-once.mjs, so the tests (TypeScript) can import it.

/**
 * The directory holding `name`'s build for the current `inputs`; `build(outDir)` runs only when
 * no build of these inputs exists (across processes: cached under test/.output/builds, locked).
 */
export function buildOnce(
  name: string,
  options: { inputs: string[]; build: (outDir: string) => Promise<void> },
): Promise<string>;

/** `packages/<p>/src` for core, hybrid, policy and each named package, and the conformance app contract. */
export function packageInputs(...packages: string[]): string[];
