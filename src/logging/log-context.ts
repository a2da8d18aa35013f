import { PinoLogger } from 'nestjs-pino';
import type { Bindings } from 'pino';

let contextRunner: PinoLogger | undefined;

/**
 * Runs `fn` with `bindings` (e.g. `{ ingestion_id }`) on every line the Nest loggers write inside it, across
 * its awaits, the way each line written while serving a request carries its request_id.
 */
export function withLogContext<T>(bindings: Bindings, fn: () => T): T {
  // Built on first use, after LoggingModule has made the app's root logger (this reuses it).
  contextRunner ??= new PinoLogger({});
  return contextRunner.runInContext(fn, { bindings, inherit: true });
}
