import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { rootLoggerFor } from './logger.factory';

/**
 * Structured logs (nestjs-pino): Nest's Logger writes through the same pino logger Fastify uses, and while a
 * request is served through that request's child logger, so every line carries its request_id.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ pinoHttp: { logger: rootLoggerFor(config) }, useExisting: true }),
    }),
  ],
})
export class LoggingModule {}
