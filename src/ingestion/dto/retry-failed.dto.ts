import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsStorableText } from '../../common/storable.validators';
import { COLLECTION_NAME, COLLECTION_NAME_MESSAGE } from '../../common/collection';

/** The body of POST /v1/ingest/retry: which failed ingestions go back to the queue. */
export class RetryFailedRequestDto {
  @ApiPropertyOptional({
    pattern: COLLECTION_NAME.source,
    description: 'Only this collection (default: every collection the API key may use)',
    example: 'support',
  })
  @IsOptional()
  @Matches(COLLECTION_NAME, { message: COLLECTION_NAME_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 1000, description: 'Only those whose last error contains this text', example: 'HTTP 429' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @IsStorableText()
  error_contains?: string;
}

export class RetryFailedResponseDto {
  @ApiProperty({ type: 'integer', description: 'Failed ingestions put back to the queue (accepted, attempts from 0)', example: 3 })
  requeued: number;
}
