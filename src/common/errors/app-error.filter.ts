import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from './app-error';
import { isDatabaseUnavailable } from './database-unavailable';
import { ErrorResponseDto } from './error-response.dto';

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.InvalidId:
    case ErrorCode.InvalidJson:
    case ErrorCode.InvalidUrl:
    case ErrorCode.EmptyFile:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.IngestionNotFound:
    case ErrorCode.CollectionNotFound:
    case ErrorCode.RouteNotFound:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.PayloadTooLarge:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case ErrorCode.UnsupportedMediaType:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case ErrorCode.IdempotencyKeyReused:
    case ErrorCode.StatusConflict:
      return HttpStatus.CONFLICT;
    case ErrorCode.UnreadableFile:
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case ErrorCode.EmbedderUnavailable:
    case ErrorCode.DatabaseUnavailable:
    case ErrorCode.ExtractionBusy:
    case ErrorCode.IngestBacklogFull:
    case ErrorCode.NotReady:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.Unauthorized:
      return HttpStatus.UNAUTHORIZED;
    case ErrorCode.Forbidden:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.RateLimited:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.Internal:
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}

/** Seconds a client is told to wait (Retry-After) when the database is unreachable; reconnecting takes about that. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
/** Seconds a client is told to wait (Retry-After) when every file extraction slot is taken: about one extraction. */
export const EXTRACTION_RETRY_AFTER_SECONDS = 2;

/** The codes that tell a client to come back later, with the seconds sent as Retry-After. */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.DatabaseUnavailable]: DATABASE_RETRY_AFTER_SECONDS,
  [ErrorCode.EmbedderUnavailable]: 5,
  [ErrorCode.ExtractionBusy]: EXTRACTION_RETRY_AFTER_SECONDS,
  [ErrorCode.IngestBacklogFull]: 10,
};

/** Fastify's own request errors (body parsing, limits) carry a FST_ERR_* code; Nest wraps them in an HttpException. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.PayloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UnsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.InvalidJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.InvalidJson,
  FST_ERR_CTP_INVALID_JSON_BODY: ErrorCode.InvalidJson,
  FST_ERR_BAD_URL: ErrorCode.InvalidUrl,
  FST_ERR_MAX_PARAM_LENGTH: ErrorCode.InvalidUrl,
};

/** Converts any thrown value into ErrorResponseDto; unknown errors are logged and hidden behind a 500. */
export function toErrorResponse(error: unknown, logger: Logger): ErrorResponseDto {
  if (error instanceof AppError) {
    return { statusCode: statusOf(error.code), code: error.code, message: error.message, details: error.details };
  }
  const fastifyError = (error instanceof HttpException ? error.cause : error) as { code?: unknown; message?: string } | undefined;
  const fastifyCode = fastifyError?.code;
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_CODES) {
    const code = FASTIFY_CODES[fastifyCode];
    return { statusCode: statusOf(code), code, message: fastifyError?.message ?? code };
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn(`Database unavailable: ${error instanceof Error ? error.message : String(error)}`);
    const code = ErrorCode.DatabaseUnavailable;
    return { statusCode: statusOf(code), code, message: `The database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} s` };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus() as HttpStatus;
    if (status === HttpStatus.NOT_FOUND) return { statusCode: status, code: ErrorCode.RouteNotFound, message: error.message };
    if (status === HttpStatus.PAYLOAD_TOO_LARGE) return { statusCode: status, code: ErrorCode.PayloadTooLarge, message: error.message };
    if (status === HttpStatus.UNSUPPORTED_MEDIA_TYPE) {
      return { statusCode: status, code: ErrorCode.UnsupportedMediaType, message: error.message };
    }
    if (status < HttpStatus.INTERNAL_SERVER_ERROR) return { statusCode: status, code: ErrorCode.ValidationFailed, message: error.message };
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { statusCode: 500, code: ErrorCode.Internal, message: 'Internal server error' };
}

@Catch()
export class AppErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(AppErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const body = toErrorResponse(error, this.logger);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const retryAfter = RETRY_AFTER_SECONDS[body.code];
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    void reply.status(body.statusCode).send(body);
  }
}

const frameworkLogger = new Logger('FastifyRouter');

/**
 * Fastify's `frameworkErrors` option: errors its router raises before any route runs (a malformed
 * percent-encoding in the URL, an over-long parameter) get the same error body as everything else.
 */
export function replyToFrameworkError(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const body = toErrorResponse(error, frameworkLogger);
  void reply.status(body.statusCode).send(body);
}
