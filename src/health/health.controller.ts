import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { HealthResponseDto } from './dto/health-response.dto';
import { ReadinessIndicators } from './readiness.indicators';

const READY_EXAMPLE = {
  status: 'ok',
  info: {
    database: { status: 'up' },
    pgvector: { status: 'up', version: '0.8.2' },
    migrations: { status: 'up' },
    embedder: { status: 'up', provider: 'hashing', dimension: 384 },
  },
  error: {},
  details: {},
};

/** Liveness and readiness probes. Both stay open when API keys are configured. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: ReadinessIndicators,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'Liveness: the process serves HTTP (no dependency is checked; restart the process if this fails)',
  })
  @ApiOkResponse({ type: HealthResponseDto, example: { status: 'ok', info: {}, error: {}, details: {} } })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness: the database answers, pgvector is installed, no migration is pending and the embedder answers',
  })
  @ApiOkResponse({ description: 'Every check is up', type: HealthResponseDto, example: READY_EXAMPLE })
  @ApiResponse({ status: 503, description: 'A check is down (NOT_READY); `details` holds every check by name', type: ErrorResponseDto })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.checks.database(),
        () => this.checks.pgvector(),
        () => this.checks.migrations(),
        () => this.checks.embedder(),
      ]);
    } catch (error) {
      // Terminus answers a failed check with its own 503 body; ours keeps the one error shape.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {}).join(', ');
      throw new AppError(ErrorCode.NotReady, `Not ready: ${down || 'a check failed'}`, result);
    }
  }
}
