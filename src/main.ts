import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { inspect } from 'node:util';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { BootCheckError } from './database/boot-check.error';
import { secretScrubber } from './logging/logger.factory';

/** Until the configuration is read there is no secret to hide; afterwards start-up errors are scrubbed too. */
let scrub = (text: string) => text;

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  scrub = secretScrubber(config.secrets);
  const app = await createApp(config);
  await app.listen({ port: config.PORT, host: config.listenHost });
  const where = config.usesEmbeddedDatabase ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL (DATABASE_URL)';
  const base = `http://${config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost}:${config.PORT}`;
  Logger.log(`Ready: web page ${base}/ · API ${base}/v1 · docs ${base}/docs · database: ${where}`, 'Bootstrap');
  if (config.openBeyondLoopback) {
    Logger.warn(`Listening on ${config.listenHost} with no API_KEYS: anyone who reaches port ${config.PORT} can ingest and delete. Set API_KEYS, or HOST=127.0.0.1`, 'Bootstrap');
  }
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof BootCheckError) {
    console.error(scrub(`\ningestion-service cannot start:\n${error.message}\n`));
  } else {
    console.error(scrub(inspect(error)));
  }
  process.exit(1);
});
