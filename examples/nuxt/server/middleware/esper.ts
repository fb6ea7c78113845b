// Every request, before Nuxt's pages and server routes: allowed requests go on, blocked and
// challenged ones are answered here. Settings from ESPER_* in the environment.
import { esperHandler } from '@esper/nuxt';

export default esperHandler();
