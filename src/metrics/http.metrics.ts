import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics.registry';

/** HTTP requests by route template (not raw URL: ids would explode the label set) and status. */
@Injectable()
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(registry: MetricsRegistry) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /** Fastify onResponse hook. */
  readonly onResponse = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Unmatched URLs share one label: an attacker probing paths must not create a series per path.
    const route = request.routeOptions.url ?? 'unmatched';
    this.requests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    this.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  };
}
