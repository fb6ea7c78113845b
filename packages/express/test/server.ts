/// <reference path="./express4.d.ts" />
import { createServer, type RequestListener } from 'node:http';
import express5 from 'express';
import express4 from 'express4';
import { type Listening, listenServer } from '../../../test/helpers/node-listen.js';

/** Both majors, resolved from this package so test/conformance can use them too. */
export const frameworks = { express4, express5 } as const;
export type FrameworkName = keyof typeof frameworks;

/** A real HTTP server on 127.0.0.1 with an OS-chosen port. */
export function listen(handler: RequestListener): Promise<Listening> {
  return listenServer(createServer(handler));
}

export const KEY = { apiKey: 'express_key', secret: 'express_secret_0123456789abcdef' };

export { type Listening, type SeenRequest, seenBody } from '../../../test/helpers/node-listen.js';
