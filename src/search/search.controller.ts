import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { SearchRequestDto } from './dto/search-request.dto';
import { SearchResponseDto, toSearchResult } from './dto/search-response.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@Controller('v1/search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Chunks most similar to a query text, best first' })
  @ApiResponse({ status: 200, type: SearchResponseDto })
  @ApiErrorResponses(400, 413, 415)
  async search(@Body() body: SearchRequestDto): Promise<SearchResponseDto> {
    return { results: (await this.searchService.search(body)).map(toSearchResult) };
  }
}
