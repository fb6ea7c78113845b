// Kept in step with package.json by version.test.ts.
export const SDK_NAME = '@esper/lambda';
export const SDK_VERSION = '0.1.0';
