import { esperHandle } from '@esper/sveltekit';
import type { Handle } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';

// Settings from ESPER_* in the environment, read when the server starts.
const esper = esperHandle();

// Your own hooks go after it: they run only for requests Esper allowed (all, in monitor mode).
const poweredBy: Handle = async ({ event, resolve }) => {
  const response = await resolve(event);
  response.headers.set('x-decided-by', `esper:${event.locals.esper.action}`);
  return response;
};

export const handle = sequence(esper, poweredBy);
