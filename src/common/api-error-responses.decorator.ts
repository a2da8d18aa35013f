import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './errors/error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid id, body or JSON (VALIDATION_FAILED, INVALID_ID, INVALID_JSON)',
  401: 'API keys are configured and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED)',
  403: 'The API key is limited to other collections, or a page of another origin writes (FORBIDDEN); nothing is read or written',
  404: 'No ingestion with that id, or none the API key may see (INGESTION_NOT_FOUND)',
  413: 'Body larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE)',
  409: 'Idempotency-Key already used with a different body (IDEMPOTENCY_KEY_REUSED)',
  415: 'Body is not application/json (UNSUPPORTED_MEDIA_TYPE)',
  429: 'Too many requests from this API key or address; retry after `Retry-After` seconds (RATE_LIMITED)',
  500: 'Unexpected error (INTERNAL_ERROR); details are logged, not returned',
  503: 'The database is unreachable (DATABASE_UNAVAILABLE) or, for a search by query, the embedding provider (EMBEDDER_UNAVAILABLE); retry after Retry-After seconds',
};

/**
 * Documents the error statuses a route can answer with, all in the one ErrorResponseDto shape. Every API route
 * can also answer 401 and 429 (the HTTP perimeter), 500 and, as every route reads the database, 503.
 */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator {
  return applyDecorators(
    ...[...statuses, 401, 429, 500, 503].map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })),
  );
}
