import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { inspect } from 'node:util';
import { createApp } from './app.factory';
import { AppConfig, ConfigError, loadConfig, SHUTDOWN_DEADLINE_EXTRA_MS } from './config/app-config';
import { BootCheckError } from './database/boot-check.error';
import { secretScrubber } from './logging/logger.factory';

/** Until the configuration is read there is no secret to hide; afterwards start-up errors are scrubbed too. */
let scrub = (text: string) => text;

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  scrub = secretScrubber(config.secrets);
  const app = await createApp(config);
  exitByShutdownDeadline(config);
  await app.listen({ port: config.PORT, host: config.listenHost });
  const where = config.usesEmbeddedDatabase ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL (DATABASE_URL)';
  const base = `http://${config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost}:${config.PORT}`;
  Logger.log(`Ready: web page ${base}/ · API ${base}/v1 · docs ${base}/docs · database: ${where}`, 'Bootstrap');
  if (config.openBeyondLoopback) {
    Logger.warn(
      `Listening on ${config.listenHost} with no API_KEYS: anyone who reaches port ${config.PORT} can ingest and delete. Set API_KEYS, or HOST=127.0.0.1`,
      'Bootstrap',
    );
  }
}

/**
 * The shutdown hooks (enableShutdownHooks) close the app on SIGTERM/SIGINT; should closing hang (a connection
 * that never answers, a hook that never resolves), the process still exits at the deadline.
 */
function exitByShutdownDeadline(config: AppConfig): void {
  const deadlineMs = config.SHUTDOWN_GRACE_MS + SHUTDOWN_DEADLINE_EXTRA_MS;
  const arm = (signal: NodeJS.Signals) => () => {
    setTimeout(() => {
      Logger.error(
        `Shutdown (${signal}) still not done after ${deadlineMs} ms (SHUTDOWN_GRACE_MS + ${SHUTDOWN_DEADLINE_EXTRA_MS} ms); exiting. Still open: ${process.getActiveResourcesInfo().join(', ')}`,
        'Bootstrap',
      );
      process.exit(1);
    }, deadlineMs).unref();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, arm(signal));
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof BootCheckError) {
    console.error(scrub(`\ningestion-service cannot start:\n${error.message}\n`));
  } else {
    console.error(scrub(inspect(error)));
  }
  process.exit(1);
});
