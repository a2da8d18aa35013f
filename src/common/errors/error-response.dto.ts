import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode } from './app-error';

/** One offending field of a VALIDATION_FAILED request. */
export class FieldErrorDto {
  @ApiProperty({ description: 'The field, dotted for nested ones (e.g. chunking.chunk_size) or a header name', example: 'text' })
  field: string;
  @ApiProperty({ type: [String], example: ['text must be longer than or equal to 1 characters'] }) messages: string[];
}

/** The one error body every failing request gets. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 400 }) statusCode: number;
  @ApiProperty({ enum: ErrorCode, example: ErrorCode.ValidationFailed }) code: ErrorCode;
  @ApiProperty({ example: 'Request body is invalid' }) message: string;
  @ApiPropertyOptional({
    description: 'VALIDATION_FAILED: one entry per offending field. NOT_READY: every readiness check by name. Absent for other codes.',
    oneOf: [
      { type: 'array', items: { $ref: getSchemaPath(FieldErrorDto) } },
      { type: 'object', additionalProperties: true },
    ],
    example: [{ field: 'text', messages: ['text must be longer than or equal to 1 characters'] }],
  })
  details?: FieldErrorDto[] | Record<string, unknown>;
}
