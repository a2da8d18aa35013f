import { Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AppError, ErrorCode } from './errors/app-error';

/** An id as the OpenAPI document's examples show it. */
export const EXAMPLE_ID = '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10';

/** Validates an `:id` path parameter as a UUID (400 INVALID_ID otherwise). */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value)) throw new AppError(ErrorCode.InvalidId, `"${value.slice(0, 100)}" is not a valid UUID`);
    return value.toLowerCase();
  }
}
