import { createParamDecorator, ExecutionContext, Injectable, PipeTransform } from '@nestjs/common';
import type { ApiHeaderOptions } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/errors/app-error';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Visible ASCII: what a UUID, a hash or a client-made token looks like, and safe to log. */
const KEY_PATTERN = new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);

/** Validates the optional Idempotency-Key header (400 VALIDATION_FAILED otherwise). */
@Injectable()
export class IdempotencyKeyPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && KEY_PATTERN.test(value)) return value;
    throw new AppError(ErrorCode.ValidationFailed, 'Request header Idempotency-Key is invalid', [
      {
        field: 'Idempotency-Key',
        messages: [`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, given once`],
      },
    ]);
  }
}

/** The raw Idempotency-Key header, to be validated by IdempotencyKeyPipe: `@IdempotencyKey(IdempotencyKeyPipe)`. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'],
);

/** The header as OpenAPI describes it, on every route that takes it. */
export const IDEMPOTENCY_KEY_HEADER: ApiHeaderOptions = {
  name: 'Idempotency-Key',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x21-\\x7e]+$' },
  description:
    `Up to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters. Sending the same key with the same body again returns the ` +
    'same ingestion (200, outcome "replayed"); the same key with a different body is a 409. A key is scoped to the API key ' +
    'that sends it and to the collection: other callers cannot see or take it.',
};
