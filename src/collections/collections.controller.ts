import { Controller, Delete, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access, CollectionAccess } from '../auth/collection-access';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { COLLECTION_NAME } from '../vector-store/collection';
import { CollectionNamePipe } from './collection-name.pipe';
import { CollectionsService } from './collections.service';
import { DeleteCollectionResponseDto } from './dto/delete-collection-response.dto';

@ApiTags('collections')
@Controller('v1/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Delete(':name')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'deleteCollection', summary: 'Delete every ingestion of a collection and its chunks, in one transaction. Idempotent.' })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: COLLECTION_NAME.source }, example: 'support' })
  @ApiResponse({ status: 200, type: DeleteCollectionResponseDto })
  @ApiErrorResponses(400, 403)
  delete(@Param('name', CollectionNamePipe) name: string, @Access() access: CollectionAccess): Promise<DeleteCollectionResponseDto> {
    access.assertCanUse(name);
    return this.collections.delete(name);
  }
}
