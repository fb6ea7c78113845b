import { runRouting } from './routing.js';
import { reactRouterRouting } from './targets/react-router.js';

// React Router 7 framework mode, built and served (see targets/react-router.ts). No known bypass.
runRouting(reactRouterRouting());
