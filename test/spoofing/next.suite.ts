import { nextTarget } from '../conformance/targets/vercel-next.js';
import { runSpoofing } from './spoofing.js';

// Real `next build` + `next start`: full mode only (see run.mjs).
runSpoofing(nextTarget('vercel-next16', 'vercel-next'));
runSpoofing(nextTarget('vercel-next16-edge', 'vercel-next-edge'));
