/** Kept equal to package.json's name and version by `version.test.ts`. */
export const SDK_NAME = '@esper/sveltekit';
export const SDK_VERSION = '0.1.0';
