import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access, CollectionAccess } from '../auth/collection-access';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { SEARCH_REQUEST_EXAMPLES, SearchRequestDto } from './dto/search-request.dto';
import { SearchResponseDto, toSearchResult } from './dto/search-response.dto';
import { DEFAULT_COLLECTION } from '../common/collection';
import { SearchService } from './search.service';

@ApiTags('search')
@Controller('v1/search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'search',
    summary: 'Chunks matching a query text or vector, best first: vector, keyword or hybrid mode, with filters',
    description:
      'Searches one collection (default "default"). Filters (ingestion ids, source_metadata containment, created_at range, ' +
      'min_score) are applied inside the index scan, so top_k results come back whenever that many chunks match.',
  })
  @ApiBody({ type: SearchRequestDto, examples: SEARCH_REQUEST_EXAMPLES })
  @ApiResponse({ status: 200, type: SearchResponseDto })
  @ApiErrorResponses(400, 403, 413, 415)
  async search(@Body() body: SearchRequestDto, @Access() access: CollectionAccess): Promise<SearchResponseDto> {
    access.assertCanUse(body.collection ?? DEFAULT_COLLECTION);
    const { mode, results, hint } = await this.searchService.search(body);
    return { mode, results: results.map(toSearchResult), ...(hint === undefined ? {} : { hint }) };
  }
}
