import { packageBuild } from '../../tsup.base.js';

export default packageBuild({
  entry: ['src/index.ts', 'src/node.ts', 'src/adapter.ts'],
  platform: 'neutral',
  // ES modules share chunks between entries: an adapter importing both `@esper/core` and
  // `@esper/core/adapter` bundles each module once.
  splitting: true,
});
