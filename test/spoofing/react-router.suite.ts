import { reactRouterTarget } from '../conformance/targets/react-router.js';
import { runSpoofing } from './spoofing.js';

// The built app behind @react-router/express, its load context carrying the socket peer.
runSpoofing(reactRouterTarget);
