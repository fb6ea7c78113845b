// Types for bundle.mjs, so test/budget (TypeScript) can import it.
export interface BundleSize {
  min: number;
  gzip: number;
  /** Output bytes (minified) per source file, largest first. */
  files: Record<string, number>;
  nodeImports: string[];
}
export const EDGE_PACKAGES: string[];
export const EXTERNAL: string[];
export function bundleSize(
  entry: string,
  options?: { alias?: Record<string, string>; external?: string[] },
): Promise<BundleSize>;
export function packageBundle(pkg: string): Promise<BundleSize>;
export function sourceProfile(pkg: string): Promise<BundleSize>;
