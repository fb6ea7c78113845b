import { esperLoadContext } from '@esper/react-router';
import { createRequestHandler } from '@react-router/express';
import express from 'express';

export const app = express();
app.use(
  createRequestHandler({
    build: () => import('virtual:react-router/server-build'),
    // The socket's peer, the one address the server vouches for, reaches the middleware.
    getLoadContext: (req) => esperLoadContext(req),
  }),
);
