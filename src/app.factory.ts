import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { replyToFrameworkError } from './common/errors/app-error.filter';
import { AppConfig } from './config/app-config';

/** Builds the Fastify-based Nest app (used by main.ts and the end-to-end tests). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({ bodyLimit: config.BODY_LIMIT_BYTES, frameworkErrors: replyToFrameworkError }),
    { logger: loggerLevels(config.LOG_LEVEL), abortOnError: false },
  );
  app.enableShutdownHooks();
  // The API speaks JSON only: without its text/plain parser Fastify answers other media types with 415.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('ingestion-service')
      .setDescription('Durable document ingestion for RAG: post text, poll its status, search its chunks by similarity.')
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

function loggerLevels(level: AppConfig['LOG_LEVEL']) {
  const levels = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
  return levels.slice(0, levels.indexOf(level) + 1) as ('error' | 'warn' | 'log' | 'debug' | 'verbose')[];
}
