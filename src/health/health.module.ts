import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EmbeddingModule } from '../embedding/embedding.module';
import { HealthController } from './health.controller';
import { ReadinessIndicators } from './readiness.indicators';

/** GET /health/live and /health/ready (@nestjs/terminus). */
@Module({
  // Terminus logs failed checks itself; the 503 body and the HTTP log line already say what failed.
  imports: [TerminusModule.forRoot({ logger: false }), EmbeddingModule],
  controllers: [HealthController],
  providers: [ReadinessIndicators],
})
export class HealthModule {}
