import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The application's own Prometheus registry (not prom-client's global one), so several app instances in one
 * process (the tests) never collide on metric names. Injected by this class.
 */
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this });
  }
}
