import { Global, Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { HttpMetrics } from './http.metrics';
import { IngestionMetrics } from './ingestion.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';

/**
 * Prometheus metrics at GET /metrics. Global so the pipeline can record into IngestionMetrics, and other modules
 * register their gauges on MetricsRegistry, without importing it.
 */
@Global()
@Module({
  imports: [QueueModule],
  controllers: [MetricsController],
  providers: [MetricsRegistry, HttpMetrics, IngestionMetrics],
  exports: [HttpMetrics, IngestionMetrics, MetricsRegistry],
})
export class MetricsModule {}
