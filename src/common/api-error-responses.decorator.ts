import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './errors/error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid id, body or JSON (VALIDATION_FAILED, INVALID_ID, INVALID_JSON)',
  401: 'API keys are configured and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED)',
  404: 'No ingestion with that id (INGESTION_NOT_FOUND)',
  413: 'Body larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE)',
  415: 'Body is not application/json (UNSUPPORTED_MEDIA_TYPE)',
  429: 'Too many requests from this API key or address; retry after `Retry-After` seconds (RATE_LIMITED)',
  503: 'Not ready: a dependency check failed; details name each check (NOT_READY)',
  500: 'Unexpected error (INTERNAL_ERROR); details are logged, not returned',
};

/** Documents the error statuses a route can answer with (401, 429 and 500 apply to every API route), all in the one ErrorResponseDto shape. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator {
  return applyDecorators(
    ...[...statuses, 401, 429, 500].map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })),
  );
}
