import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

export const MAX_TOP_K = 100;

export class SearchRequestDto {
  @ApiProperty({ description: 'Text to search for', maxLength: 10_000, example: 'vector similarity search in postgres' })
  @IsString()
  @MaxLength(10_000)
  @Matches(/\S/, { message: 'query must contain at least one non-whitespace character' })
  query: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TOP_K, default: 10, description: 'How many chunks to return' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TOP_K)
  top_k?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only search the chunks of this ingestion' })
  @IsOptional()
  @IsUUID()
  ingestion_id?: string;
}
