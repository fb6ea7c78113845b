// Kept in step with package.json by a test (version.test.ts).
export const SDK_NAME = '@esper/vercel';
export const SDK_VERSION = '0.1.0';
