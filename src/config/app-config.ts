import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  return value; // left as is so @IsBoolean names the variable
};

/**
 * Every environment variable the service reads, with its default. Nothing else reads process.env:
 * the app, the migration scripts and the tests all go through loadConfig().
 */
export class AppConfig {
  /** HTTP port. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  /** Interface to bind. */
  @IsString() HOST = '0.0.0.0';
  /** PostgreSQL connection string; when unset the embedded PGlite database under DATA_DIR is used. */
  @IsOptional() @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  DATABASE_URL?: string = undefined;
  /** Folder of the embedded PGlite database (ignored when DATABASE_URL is set). */
  @IsString() DATA_DIR = './data/pglite';
  /** PostgreSQL schema that holds the service's tables. */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DB_SCHEMA must be a lower-case SQL identifier' })
  DB_SCHEMA = 'ingestion_service';
  /** Apply pending migrations at boot. Default: true on the embedded database, false on PostgreSQL. */
  @IsOptional() @Transform(toBool) @IsBoolean() MIGRATIONS_RUN_ON_BOOT?: boolean = undefined;

  /** Dimension of the embedding vectors; must equal the vector column's (384 in the shipped migration). */
  @Transform(toInt) @IsInt() @Min(8) @Max(16000) EMBEDDING_DIMENSION = 384;

  /** Default chunk size in characters, when a request does not say. */
  @Transform(toInt) @IsInt() @Min(16) @Max(100_000) CHUNK_SIZE = 1000;
  /** Default overlap between consecutive chunks in characters. */
  @Transform(toInt) @IsInt() @Min(0) @Max(50_000) CHUNK_OVERLAP = 200;

  /** Run the background poller in this process. */
  @Transform(toBool) @IsBoolean() POLLER_ENABLED = true;
  /** Milliseconds between poller ticks. */
  @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000) POLL_INTERVAL_MS = 500;
  /** Requests claimed per tick. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) POLL_BATCH_SIZE = 8;
  /** A running request whose lock is older than this is taken to be orphaned by a dead worker and reclaimed. */
  @Transform(toInt) @IsInt() @Min(1000) JOB_LEASE_MS = 300_000;
  /** Attempts before a request that keeps failing is marked failed. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100) MAX_ATTEMPTS = 3;
  /** First retry delay; doubles with each attempt. */
  @Transform(toInt) @IsInt() @Min(0) RETRY_BASE_DELAY_MS = 2000;

  /** Largest accepted request body in bytes (413 beyond it). */
  @Transform(toInt) @IsInt() @Min(1024) BODY_LIMIT_BYTES = 10 * 1024 * 1024;
  /** Largest file accepted by POST /v1/ingest/file in bytes (413 beyond it); it streams to a temporary file. */
  @Transform(toInt) @IsInt() @Min(1024) FILE_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;

  /** Log level of the Nest logger. */
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  get usesEmbeddedDatabase(): boolean {
    return !this.DATABASE_URL;
  }

  get runMigrationsOnBoot(): boolean {
    return this.MIGRATIONS_RUN_ON_BOOT ?? this.usesEmbeddedDatabase;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const raw = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''));
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => `${e.property}=${JSON.stringify(env[e.property] ?? null)}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  if (config.CHUNK_OVERLAP >= config.CHUNK_SIZE) {
    throw new ConfigError([`CHUNK_OVERLAP=${config.CHUNK_OVERLAP}: must be smaller than CHUNK_SIZE (${config.CHUNK_SIZE})`]);
  }
  return config;
}
