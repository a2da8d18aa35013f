import { ApiProperty } from '@nestjs/swagger';

export class DeleteCollectionResponseDto {
  @ApiProperty({ example: 'support' }) collection: string;
  @ApiProperty({ type: 'integer', description: 'Ingestion requests deleted (any status); 0 when the collection was empty or unknown', example: 12 })
  ingestions_deleted: number;
  @ApiProperty({ type: 'integer', description: 'Chunks deleted with them', example: 340 }) chunks_deleted: number;
}
