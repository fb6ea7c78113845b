import { packageBuild } from '../../tsup.base.js';

export default packageBuild({
  entry: ['src/index.ts', 'src/durable-objects.ts'],
  platform: 'neutral',
});
