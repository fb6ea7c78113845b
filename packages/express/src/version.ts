/** Kept equal to package.json's name and version by `version.test.ts`. */
export const SDK_NAME = '@esper/express';
export const SDK_VERSION = '0.1.0';
/** @deprecated Use `SDK_VERSION`, the one spelling every `@esper/*` package exports. */
export const VERSION = SDK_VERSION;
