import { runRouting } from './routing.js';
import { cloudflareRouting, honoWorkersRouting } from './targets/workerd.js';

for (const target of [honoWorkersRouting(), cloudflareRouting()]) runRouting(target);
