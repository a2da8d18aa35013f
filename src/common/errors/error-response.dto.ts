import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './app-error';

/** The one error body every failing request gets. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ enum: ErrorCode, example: ErrorCode.ValidationFailed }) code: ErrorCode;
  @ApiProperty({ example: 'Request body is invalid' }) message: string;
  @ApiPropertyOptional({
    description: 'For VALIDATION_FAILED: one entry per offending field',
    example: [{ field: 'text', messages: ['text must be longer than or equal to 1 characters'] }],
  })
  details?: unknown;
}
