// @vitest-environment edge-runtime
import { vercelTarget } from '../conformance/targets/vercel.js';
import { runSpoofing } from './spoofing.js';

runSpoofing(vercelTarget('vercel-edge'));
