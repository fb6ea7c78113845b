import 'reflect-metadata';
import { All, Controller, Get, Module, Req, Res, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type EsperNest, type EsperNestOptions, esperOf, useEsper } from '../src/index.js';

// No constructor injection anywhere: esbuild (vitest) emits no decorator metadata.

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

export const KEY = { apiKey: 'nest_key', secret: 'nest_secret_0123456789abcdef' };

type AnyRequest = { url: string; originalUrl?: string; headers: Record<string, unknown> };
type AnyResponse = {
  append?(name: string, value: string): unknown;
  header(name: string, value: string): unknown;
};

/** Adds a cookie next to the runtime's: Express's `res.append`, Fastify's `reply.header`. */
export function addCookie(res: AnyResponse, cookie: string) {
  if (res.append) res.append('set-cookie', cookie);
  else res.header('set-cookie', cookie);
}

export interface NestServer {
  url: string;
  esper: EsperNest;
  close(): Promise<void>;
}

export interface StartOptions {
  platform: Platform;
  esper: EsperNestOptions;
  controllers: Type[];
  /** Fastify's server options (e.g. `trustProxy`, `routerOptions`). */
  fastify?: Record<string, unknown>;
  /** Express app settings (e.g. `trust proxy`). */
  express?: Record<string, unknown>;
  /** The Fastify instance's own setup after `useEsper` (Fastify platform), e.g. a plugin. */
  fastifySetup?: (instance: {
    register(plugin: (i: never) => Promise<void>, o: { prefix: string }): unknown;
  }) => void;
  /** A directory served by `useStaticAssets`, registered after `useEsper`. */
  staticDir?: {
    root: string;
    setHeaders(res: { setHeader(n: string, v: string): unknown }, file: string): void;
  };
}

/** A real Nest app on 127.0.0.1, protected with `useEsper` right after `create()`. */
export async function startNest(o: StartOptions): Promise<NestServer> {
  class AppModule {}
  Module({ controllers: o.controllers })(AppModule);
  let esper: EsperNest;
  let url: string;
  if (o.platform === 'express') {
    const app = await NestFactory.create<NestExpressApplication>(AppModule, new ExpressAdapter(), {
      logger: false,
    });
    for (const [name, value] of Object.entries(o.express ?? {})) app.set(name, value);
    esper = useEsper(app, o.esper);
    if (o.staticDir) app.useStaticAssets(o.staticDir.root, { setHeaders: o.staticDir.setHeaders });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return { url, esper, close: () => app.close() };
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    new FastifyAdapter(o.fastify),
    { logger: false },
  );
  esper = useEsper(app, o.esper);
  o.fastifySetup?.(app.getHttpAdapter().getInstance() as never);
  const dir = o.staticDir;
  if (dir) {
    // @fastify/static 10 hands setHeaders the reply, not the raw response.
    type Res = { setHeader?(n: string, v: string): unknown; header(n: string, v: string): unknown };
    const setHeaders = (res: Res, file: string) =>
      dir.setHeaders({ setHeader: (n, v) => (res.setHeader ?? res.header).call(res, n, v) }, file);
    app.useStaticAssets({ root: dir.root, setHeaders: setHeaders as never });
  }
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  return { url, esper, close: () => app.close() };
}

/**
 * Applies Nest's decorators the way TypeScript's legacy decorators would (parameters first,
 * then the method, then the class), written as calls: no decorator syntax to compile, and no
 * metadata needed, as no constructor takes a parameter.
 */
export function controller<T extends Type>(
  cls: T,
  methods: Record<string, { route: MethodDecorator[]; params: ParameterDecorator[] }>,
): T {
  const proto = cls.prototype as object;
  for (const [key, { route, params }] of Object.entries(methods)) {
    for (const [i, param] of params.entries()) param(proto, key, i);
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
    for (const decorate of route) decorate(proto, key, descriptor);
  }
  Controller()(cls);
  return cls;
}

const REQ_RES = [Req(), Res({ passthrough: true })];

/**
 * The conformance contract's app (test/conformance/target.ts APP_CONTRACT), every path: Nest
 * 11 spells the catch-all `{*path}` on Express, find-my-way `*` on Fastify.
 */
export function contractController(platform: Platform): Type {
  class ContractController {
    handle(req: AnyRequest, res: AnyResponse) {
      addCookie(res, 'app=1; Path=/');
      return {
        path: (req.originalUrl ?? req.url).split('?')[0],
        decision: req.headers['x-esper-decision'] ?? null,
        decisionId: req.headers['x-esper-decision-id'] ?? null,
        mode: req.headers['x-esper-mode'] ?? null,
        upstream: req.headers['x-upstream-test'] ?? null,
        action: esperOf(req)?.action ?? null,
      };
    }
  }
  return controller(ContractController, {
    handle: { route: [All(platform === 'express' ? '{*path}' : '*')], params: REQ_RES },
  });
}

/** A controller for one route that reports itself in `x-handler` (test/routing). */
export function routeController(pattern: string): Type {
  class RouteController {
    handle(req: AnyRequest, res: AnyResponse) {
      res.header('x-handler', pattern);
      return { handler: pattern, path: req.originalUrl ?? req.url };
    }
  }
  return controller(RouteController, { handle: { route: [Get(pattern)], params: REQ_RES } });
}
