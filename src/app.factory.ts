import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { replyToFrameworkError } from './common/errors/app-error.filter';
import { registerHttpSecurity } from './auth/http-security';
import { AppConfig, TrustProxy } from './config/app-config';
import { echoRequestId, fastifyLoggingOptions, logRequest } from './logging/logger.factory';
import { HttpMetrics } from './metrics/http.metrics';
import { createOpenApiDocument } from './openapi/openapi-document';

/** The Fastify adapter with the service's limits (shared by createApp and tests that build their own module). */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    frameworkErrors: replyToFrameworkError,
    ...fastifyLoggingOptions(config),
  });
}

/** A hop count as the function Fastify makes of one (the adapter's option type omits numbers). */
function trustProxyOption(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** Builds the Fastify-based Nest app (used by main.ts and the end-to-end tests). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createFastifyAdapter(config), {
    // Lines logged before the pino logger is in place are held back and written through it.
    bufferLogs: true,
    abortOnError: false,
  });
  return configureApp(app, config);
}

/** Everything around the modules: logging, the HTTP perimeter, metrics, OpenAPI docs; then init and ready. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<NestFastifyApplication> {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON only: without its text/plain parser Fastify answers other media types with 415.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', echoRequestId);
  fastify.addHook('onResponse', logRequest);
  fastify.addHook('onResponse', app.get(HttpMetrics).onResponse);
  await registerHttpSecurity(app, config);
  const document = createOpenApiDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  await app.init();
  await fastify.ready();
  return app;
}
