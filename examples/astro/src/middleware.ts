import { defineMiddleware, sequence } from 'astro:middleware';
import { esper } from '@esper/astro';

// Your own middleware runs after esper(), for allowed requests only, and sees the decision.
const poweredBy = defineMiddleware(async (context, next) => {
  const response = await next();
  response.headers.set('x-decided-by', `esper:${context.locals.esper?.action}`);
  return response;
});

// Settings from ESPER_* in the server's environment.
export const onRequest = sequence(esper(), poweredBy);
