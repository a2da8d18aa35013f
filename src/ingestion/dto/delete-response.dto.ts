import { ApiProperty } from '@nestjs/swagger';

export class DeleteResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'false when there was nothing to delete (already deleted or never existed)', example: true })
  deleted: boolean;
  @ApiProperty({ type: 'integer', description: 'Chunk vectors removed', example: 12 }) chunks_deleted: number;
}
