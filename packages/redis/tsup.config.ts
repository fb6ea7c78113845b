import { packageBuild } from '../../tsup.base.js';

// `upstash` is Web-standard (Vercel Edge, Workers) and never imports node-redis.
export default packageBuild({ entry: ['src/index.ts', 'src/upstash.ts'], platform: 'neutral' });
