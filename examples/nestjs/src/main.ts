import 'reflect-metadata';
import { useEsper } from '@esper/nestjs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppController } from './app.controller.js';

@Module({ controllers: [AppController] })
class AppModule {}

// Express by default; PLATFORM=fastify runs the same app on Nest's Fastify platform.
const adapter = process.env.PLATFORM === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
const app = await NestFactory.create(AppModule, adapter, { logger: ['error', 'warn'] });

// Right after create(): every request is decided before Nest's middleware, guards, pipes
// and handlers, 404s included. Reads ESPER_API_KEY and
// ESPER_API_SECRET now (a missing one fails at boot); closes its connections with the app.
useEsper(app);

app.enableShutdownHooks(); // SIGTERM: finish in-flight requests, then exit
await app.listen(Number(process.env.PORT ?? 3000), '0.0.0.0');
console.log(`listening on http://localhost:${new URL(await app.getUrl()).port}`);
