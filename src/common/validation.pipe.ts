import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorCode, FieldError } from './errors/app-error';
import { deeperThan } from './storable.validators';

/**
 * Deepest JSON body any route accepts. class-transformer recurses through the body, so a body nested
 * 100,000 levels deep (500 KB) would overflow the stack: it is refused, iteratively, before that.
 */
export const MAX_BODY_DEPTH = 32;

/** The Nest ValidationPipe behind a nesting-depth guard. */
class BoundedValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && deeperThan(value, MAX_BODY_DEPTH)) {
      throw new AppError(ErrorCode.ValidationFailed, 'Request body is invalid', [
        { field: 'body', messages: [`the body must be nested at most ${MAX_BODY_DEPTH} levels deep`] },
      ]);
    }
    return (super.transform(value, metadata) as Promise<unknown>).catch((error: unknown) => {
      // The factory below cannot tell a body from a query string: say which one was refused.
      if (metadata.type === 'query' && error instanceof AppError && error.code === ErrorCode.ValidationFailed) {
        throw new AppError(ErrorCode.ValidationFailed, 'Request query is invalid', error.details);
      }
      throw error;
    });
  }
}

/** Flattens nested class-validator errors into `{ field: 'chunking.chunk_size', messages }` entries. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/** The one validation pipe: transforms bodies to DTOs, rejects unknown fields, reports every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new AppError(ErrorCode.ValidationFailed, 'Request body is invalid', toFieldErrors(errors)),
  });
}
