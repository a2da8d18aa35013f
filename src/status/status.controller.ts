import { Controller, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access, CollectionAccess } from '../auth/collection-access';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { EXAMPLE_ID, UuidParamPipe } from '../common/uuid-param.pipe';
import { StatusResponseDto, toStatusResponse } from './dto/status-response.dto';
import { IngestionRequestRepository } from '../queue/ingestion-request.repository';

@ApiTags('status')
@Controller('v1/status')
export class StatusController {
  constructor(private readonly requests: IngestionRequestRepository) {}

  @Get(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'getStatus', summary: 'Processing status of an ingestion: status, attempts, last error, chunk count, timestamps' })
  @ApiParam({ name: 'id', format: 'uuid', example: EXAMPLE_ID })
  @ApiResponse({ status: 200, type: StatusResponseDto })
  @ApiErrorResponses(400, 404)
  async get(@Param('id', UuidParamPipe) id: string, @Access() access: CollectionAccess): Promise<StatusResponseDto> {
    const request = await this.requests.findByIdOrFail(id);
    access.assertCanSee(request);
    return toStatusResponse(request);
  }
}
