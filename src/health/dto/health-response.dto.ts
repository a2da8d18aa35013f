import { ApiProperty } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';

const CHECK_RESULT: SchemaObject = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  required: ['status'],
  additionalProperties: true,
};

const CHECK = {
  type: 'object' as const,
  description: 'Each check by name: its status (up or down) and what it reports (version, provider, dimension)',
  additionalProperties: CHECK_RESULT,
};

/** What both probes answer when healthy (the shape of @nestjs/terminus' result). */
export class HealthResponseDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
  @ApiProperty({ ...CHECK, example: { database: { status: 'up' } } }) info: Record<string, { status: string }>;
  @ApiProperty({ ...CHECK, description: 'Checks that are down (empty when healthy)', example: {} }) error: Record<string, { status: string }>;
  @ApiProperty({ ...CHECK, description: 'Every check, up or down', example: { database: { status: 'up' } } })
  details: Record<string, { status: string }>;
}
