import { Controller, Get, Header, HttpCode } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { MetricsRegistry } from './metrics.registry';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @HttpCode(200)
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics (needs an API key when API_KEYS is set)' })
  @ApiResponse({
    status: 200,
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string' }, example: 'ingestion_requests{status="completed"} 12\n' } },
  })
  @ApiResponse({ status: 401, description: 'API keys are configured and none was sent (UNAUTHORIZED)', type: ErrorResponseDto })
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
