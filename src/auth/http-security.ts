import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { requestBodyPolicy } from './request-body-policy';

/** Probes and scrapes (route templates) are never rate-limited: a 429 there would take a healthy instance out of rotation. */
const UNLIMITED_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The HTTP perimeter, in the order a request meets it: security headers, CORS, the rate limit (onRequest, so
 * rejected requests never get their body read), then the API key check and the body policy (preParsing, likewise
 * before the body: JSON in UTF-8 or, on the upload route, multipart; no cross-origin writes).
 * Every rejection is an AppError, so it leaves in the one error shape through AppErrorFilter.
 */
export async function registerHttpSecurity(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const authenticator = app.get(ApiKeyAuthenticator);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // swagger-ui (/docs) needs its inline styles and scripts, and data: images for its icons.
        defaultSrc: [`'self'`],
        styleSrc: [`'self'`, `'unsafe-inline'`],
        scriptSrc: [`'self'`, `'unsafe-inline'`],
        imgSrc: [`'self'`, 'data:'],
        // TLS is terminated in front of the service; over plain HTTP this directive would break /docs.
        upgradeInsecureRequests: null,
      },
    },
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    });
  }
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request) => authenticator.clientKey(request),
      allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
      // The plugin has already set Retry-After (seconds until the window resets) on the reply.
      errorResponseBuilder: (_request, context) =>
        new AppError(
          ErrorCode.RateLimited,
          `Rate limit of ${context.max} requests per ${config.RATE_LIMIT_WINDOW_MS / 1000} s exceeded; retry in ${context.after}`,
        ),
    });
  }
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preParsing', authenticator.authenticate);
  fastify.addHook('preParsing', requestBodyPolicy(config.corsOrigins));
}
