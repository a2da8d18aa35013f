import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorCode, FieldError } from './errors/app-error';

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
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new AppError(ErrorCode.ValidationFailed, 'Request body is invalid', toFieldErrors(errors)),
  });
}
