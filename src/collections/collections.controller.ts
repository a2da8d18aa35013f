import { Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access, CollectionAccess } from '../auth/collection-access';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { COLLECTION_NAME } from '../common/collection';
import { CollectionNamePipe } from './collection-name.pipe';
import { CollectionsService } from './collections.service';
import { CollectionListResponseDto, CollectionResponseDto } from './dto/collection-response.dto';
import { DeleteCollectionResponseDto } from './dto/delete-collection-response.dto';

@ApiTags('collections')
@Controller('v1/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Get()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'listCollections',
    summary: 'Every collection the API key may use that has ingestions: counts by status, chunks, last change',
  })
  @ApiResponse({ status: 200, type: CollectionListResponseDto })
  @ApiErrorResponses()
  async list(@Access() access: CollectionAccess): Promise<CollectionListResponseDto> {
    return { items: await this.collections.list(access) };
  }

  @Get(':name')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'getCollection', summary: 'One collection: its ingestions by status, its chunks and its last change' })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: COLLECTION_NAME.source }, example: 'support' })
  @ApiResponse({ status: 200, type: CollectionResponseDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'The collection has no ingestions (COLLECTION_NOT_FOUND)' })
  @ApiErrorResponses(400, 403)
  get(@Param('name', CollectionNamePipe) name: string, @Access() access: CollectionAccess): Promise<CollectionResponseDto> {
    access.assertCanUse(name);
    return this.collections.get(name);
  }

  @Delete(':name')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'deleteCollection',
    summary: 'Delete every ingestion of a collection and its chunks, in one transaction. Idempotent.',
  })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: COLLECTION_NAME.source }, example: 'support' })
  @ApiResponse({ status: 200, type: DeleteCollectionResponseDto })
  @ApiErrorResponses(400, 403)
  delete(@Param('name', CollectionNamePipe) name: string, @Access() access: CollectionAccess): Promise<DeleteCollectionResponseDto> {
    access.assertCanUse(name);
    return this.collections.delete(name);
  }
}
