import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { COLLECTION_NAME } from '../common/collection';
import { databasePassword, IsTrustProxy, splitList, toBool, toInt, toTrustProxy, type TrustProxy } from './env-parsing';

export type { TrustProxy } from './env-parsing';

/** What shutdown may take beyond SHUTDOWN_GRACE_MS (abandoned work unwinding, closing): then the process exits anyway. */
export const SHUTDOWN_DEADLINE_EXTRA_MS = 5000;

/** One API key and the collections it may use (null: all of them). */
export interface ApiKeyGrant {
  key: string;
  collections: string[] | null;
}

/** `<key>` or `<key>:<collection>|<collection>…`: the key alphabet has no `:`, collection names have no `|`. */
const COLLECTION = COLLECTION_NAME.source.replace(/^\^|\$$/g, '');
const API_KEY_GRANT = String.raw`\s*[A-Za-z0-9._~+/=-]{16,}(:${COLLECTION}(\|${COLLECTION})*)?\s*`;
const API_KEYS_PATTERN = new RegExp(`^${API_KEY_GRANT}(,${API_KEY_GRANT})*$`);

/**
 * Every environment variable the service reads, with its default. Nothing else reads process.env:
 * the app, the migration scripts and the tests all go through loadConfig().
 */
export class AppConfig {
  /** HTTP port. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  /** Interface to bind; unset: every interface when API keys guard the API, else loopback only (see listenHost). */
  @IsOptional() @IsString() HOST?: string = undefined;
  /** PostgreSQL connection string; when unset the embedded PGlite database under DATA_DIR is used. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  DATABASE_URL?: string = undefined;
  /**
   * Connections to PostgreSQL this process may open (its pool; the indexer and the migration lock use one more
   * each). Every request holds one while it runs: too few, and status reads queue behind ingest commits.
   */
  @Transform(toInt) @IsInt() @Min(2) @Max(1000) DB_POOL_SIZE = 20;
  /**
   * Longest wait for a PostgreSQL connection, in milliseconds: for a free one of the pool, or for a new one to be
   * opened. Beyond it the request answers 503 DATABASE_UNAVAILABLE with Retry-After instead of queueing on.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000) DB_ACQUIRE_TIMEOUT_MS = 5000;
  /**
   * Longest a statement may run, in milliseconds (PostgreSQL's statement_timeout on every pooled connection; a
   * server that does not answer at all is given up one second later and its connection dropped), so a stalled
   * database answers 503 DATABASE_UNAVAILABLE. Index builds and long-text transactions have their own bound.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) DB_STATEMENT_TIMEOUT_MS = 15_000;
  /** Folder of the embedded PGlite database (ignored when DATABASE_URL is set). */
  @IsString() DATA_DIR = './data/pglite';
  /** PostgreSQL schema that holds the service's tables. */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DB_SCHEMA must be a lower-case SQL identifier' })
  DB_SCHEMA = 'ingestion_service';
  /** Apply pending migrations at boot. Default: true on the embedded database, false on PostgreSQL. */
  @IsOptional() @Transform(toBool) @IsBoolean() MIGRATIONS_RUN_ON_BOOT?: boolean = undefined;

  /** Dimension of the embedding vectors; must equal the vector column's (384 in the shipped migration). */
  @Transform(toInt) @IsInt() @Min(8) @Max(16000) EMBEDDING_DIMENSION = 384;

  /** Embedding provider: `hashing` (built-in, offline), `ollama` (POST /api/embed) or `openai` (any OpenAI-compatible /v1/embeddings). */
  @IsIn(['hashing', 'ollama', 'openai']) EMBEDDING_PROVIDER: 'hashing' | 'ollama' | 'openai' = 'hashing';
  /** Base URL of the provider's server (ollama default http://localhost:11434; required for openai, e.g. http://localhost:8000). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'EMBEDDING_BASE_URL must be an http(s) URL' })
  EMBEDDING_BASE_URL?: string = undefined;
  /** Model name sent to the provider (ollama default all-minilm, which has 384 dimensions; required for openai). */
  @IsOptional() @IsString() EMBEDDING_MODEL?: string = undefined;
  /** Bearer token for the provider (openai); never logged. */
  @IsOptional() @IsString() EMBEDDING_API_KEY?: string = undefined;
  /** Texts per provider request. */
  @Transform(toInt) @IsInt() @Min(1) @Max(2048) EMBEDDING_BATCH_SIZE = 32;
  /**
   * Provider requests in flight at once, at most: the provider's budget, shared by every process on the database
   * (each takes its share), lowered by 429s and raised back as requests succeed.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) EMBEDDING_CONCURRENCY = 2;
  /** Time limit of one provider request, in milliseconds. */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000) EMBEDDING_TIMEOUT_MS = 30_000;
  /** Retries of one provider request after a 429, a 5xx, a timeout or a network error. */
  @Transform(toInt) @IsInt() @Min(0) @Max(20) EMBEDDING_MAX_RETRIES = 4;
  /** First provider retry delay in milliseconds; doubles each retry, with jitter (a Retry-After header wins). */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000) EMBEDDING_RETRY_BASE_MS = 500;

  /** Default chunking strategy, when a request does not say. */
  @IsIn(['fixed', 'recursive', 'sentence', 'markdown']) CHUNK_STRATEGY: 'fixed' | 'recursive' | 'sentence' | 'markdown' = 'fixed';
  /** Default chunk size in characters, when a request does not say. */
  @Transform(toInt) @IsInt() @Min(16) @Max(100_000) CHUNK_SIZE = 1000;
  /** Default overlap between consecutive chunks in characters. */
  @Transform(toInt) @IsInt() @Min(0) @Max(50_000) CHUNK_OVERLAP = 200;

  /**
   * HNSW candidate list size for vector search (pgvector's hnsw.ef_search); higher finds more, slower. A request
   * may override it. 300: recall@10 ≥ 0.95 on the bench's 100k-chunk topical corpus (docs/operations.md, HNSW).
   */
  @Transform(toInt) @IsInt() @Min(10) @Max(1000) SEARCH_EF_SEARCH = 300;
  /**
   * Matching chunks a keyword search ranks at most, per step (every word, then any word): bounds the cost of a
   * query whose words are in most chunks. Beyond it, which matches are ranked is up to the index scan.
   */
  @Transform(toInt) @IsInt() @Min(10) @Max(100_000) SEARCH_KEYWORD_CANDIDATES = 1000;

  /** A tail of unindexed chunks smaller than this is searched exactly rather than indexed (cheap, and exact). */
  @Transform(toInt) @IsInt() @Min(1) INDEX_MIN_SEGMENT_CHUNKS = 1500;
  /**
   * A tail this large is indexed even while chunks keep arriving: bounds the exact scan each search does, and
   * lets a bulk load be indexed piece by piece while it runs instead of all at its end.
   */
  @Transform(toInt) @IsInt() @Min(1) INDEX_MAX_TAIL_CHUNKS = 1500;
  /**
   * Submissions are refused (503 INGEST_BACKLOG_FULL, Retry-After) while this many requests wait for a worker;
   * 0 = no bound. Claims also pause before the unindexed tail passes 2 x INDEX_MAX_TAIL_CHUNKS.
   */
  @Transform(toInt) @IsInt() @Min(0) INGEST_MAX_BACKLOG = 100_000;
  /** Otherwise the tail is indexed once no chunk has arrived for this many milliseconds. */
  @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000) INDEX_QUIET_MS = 500;
  /**
   * A tail smaller than INDEX_MIN_SEGMENT_CHUNKS is indexed anyway once no chunk has arrived for this many
   * milliseconds and no request is left to process: ingestion has stopped, and it would stay an exact scan.
   */
  @Transform(toInt) @IsInt() @Min(10) @Max(86_400_000) INDEX_IDLE_SEAL_MS = 30_000;
  /** Above this many HNSW segments in one partition the indexer merges its smallest adjacent pair (searches scan each). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) INDEX_MAX_SEGMENTS = 8;
  /**
   * Chunks per partition of chunk_vectors (by seq): a segment never crosses a partition's end, so a build reads
   * at most this many chunks whatever the store's size. Applies to partitions added from now on.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(100_000_000) INDEX_PARTITION_CHUNKS = 200_000;
  /** maintenance_work_mem of an index build, in MB: a build whose graph fits is several times faster. */
  @Transform(toInt) @IsInt() @Min(64) @Max(65_536) INDEX_BUILD_MEMORY_MB = 1024;

  /** Run the background poller (and the vector indexer) in this process. */
  @Transform(toBool) @IsBoolean() POLLER_ENABLED = true;
  /** Milliseconds between poller ticks. */
  @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000) POLL_INTERVAL_MS = 500;
  /** Requests claimed per claim; those without a document_id are then stored together, in one transaction. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) POLL_BATCH_SIZE = 16;
  /** Claimed requests processed at the same time by one process (embedding calls in flight). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) POLL_CONCURRENCY = 2;
  /** A running request whose lock is older than this is taken to be orphaned by a dead worker and reclaimed. */
  @Transform(toInt) @IsInt() @Min(1000) JOB_LEASE_MS = 300_000;
  /** Attempts before a request that keeps failing is marked failed. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100) MAX_ATTEMPTS = 3;
  /** First retry delay; doubles with each attempt. */
  @Transform(toInt) @IsInt() @Min(0) RETRY_BASE_DELAY_MS = 2000;
  /**
   * On SIGTERM, how long requests in progress may take to finish; then they are abandoned (rolled back) and
   * released to the queue. The process exits within SHUTDOWN_GRACE_MS + SHUTDOWN_DEADLINE_EXTRA_MS whatever happens.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000) SHUTDOWN_GRACE_MS = 10_000;

  /** Largest accepted request body in bytes (413 beyond it). */
  @Transform(toInt) @IsInt() @Min(1024) BODY_LIMIT_BYTES = 10 * 1024 * 1024;
  /** Largest file accepted by POST /v1/ingest/file in bytes (413 beyond it); it streams to a temporary file. */
  @Transform(toInt) @IsInt() @Min(1024) FILE_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;
  /**
   * Longest text accepted, in characters, by POST /v1/ingest and POST /v1/ingest/file (413 beyond it). The default
   * takes a full-size upload of plain text; PostgreSQL stores at most 1 GB in a text value.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(500_000_000) TEXT_LIMIT_CHARS = 50 * 1024 * 1024;
  /** Most pages a PDF may have (422 beyond); counted before any page is parsed. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) FILE_MAX_PAGES = 5000;
  /** Longest a PDF or HTML file's extraction (in its own child process) may take before the child is killed (422). */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) FILE_EXTRACT_TIMEOUT_MS = 30_000;
  /** Memory an extraction child may use (heap cap and resident memory) before it is killed (422). */
  @Transform(toInt) @IsInt() @Min(64) @Max(65_536) FILE_EXTRACT_MEMORY_MB = 512;
  /** Extractions (child processes) run at the same time per process; beyond, 503 EXTRACTION_BUSY with Retry-After. */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) FILE_EXTRACT_CONCURRENCY = 2;

  /** Log level of the Nest logger. */
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
  /** `json` (one object per line) or `pretty` (coloured, for a terminal). Default: json when NODE_ENV=production, else pretty. */
  @IsOptional() @IsIn(['json', 'pretty']) LOG_FORMAT?: 'json' | 'pretty' = undefined;
  /** Only decides the LOG_FORMAT default (`production` → json). */
  @IsString() NODE_ENV = 'development';

  /**
   * Comma-separated API keys (each 16+ characters of letters, digits and `._~+/=-`); clients send one as
   * `Authorization: Bearer <key>`. A key followed by `:` and `|`-separated collection names may use only those
   * collections (403 on others): `API_KEYS=ops-key-0123456789abcdef,support-key-0123456789:support|faq`.
   * Unset: the API is open. Several keys allow rotation without downtime.
   */
  @IsOptional()
  @Matches(API_KEYS_PATTERN, {
    message:
      'API_KEYS must be a comma-separated list of keys of at least 16 characters (letters, digits, ._~+/=-), ' +
      'each optionally followed by :collection|collection',
  })
  API_KEYS?: string = undefined;
  /** Requests allowed per client (API key, else IP address) per RATE_LIMIT_WINDOW_MS; 0 turns rate limiting off. */
  @Transform(toInt) @IsInt() @Min(0) RATE_LIMIT_MAX = 6000;
  /** Length of the rate-limit window in milliseconds. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(86_400_000) RATE_LIMIT_WINDOW_MS = 60_000;
  /**
   * Which X-Forwarded-For entries to believe for the client address (the rate limit's bucket without an API
   * key). `false`: none. A hop count (`1` behind one load balancer: the address that load balancer saw), or the
   * proxies' addresses/CIDRs (`10.0.0.0/8,127.0.0.1`): entries a client wrote itself are never believed. `true`
   * believes the left-most entry, which any client can set: only behind a proxy that replaces the header.
   */
  @Transform(toTrustProxy) @IsTrustProxy() TRUST_PROXY: TrustProxy = false;
  /** Comma-separated origins allowed to call the API from a browser, or `*`. Unset: no CORS headers (same origin only). */
  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^,\s]+(\s*,\s*https?:\/\/[^,\s]+)*)$/, {
    message: 'CORS_ORIGINS must be * or a comma-separated list of http(s)://host[:port] origins',
  })
  CORS_ORIGINS?: string = undefined;
  /** How long each /health/ready check (database, pgvector, migrations, embedder) may take before it counts as down. */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000) HEALTH_CHECK_TIMEOUT_MS = 3000;

  get usesEmbeddedDatabase(): boolean {
    return !this.DATABASE_URL;
  }

  get runMigrationsOnBoot(): boolean {
    return this.MIGRATIONS_RUN_ON_BOOT ?? this.usesEmbeddedDatabase;
  }

  get logFormat(): 'json' | 'pretty' {
    return this.LOG_FORMAT ?? (this.NODE_ENV === 'production' ? 'json' : 'pretty');
  }

  /** The configured keys, each with the collections it is limited to (null: every collection). */
  /**
   * Without API keys every route (ingest, delete) is open to whoever reaches the port, so by default an
   * instance without keys listens on loopback only; the container image sets HOST=0.0.0.0 on purpose.
   */
  get listenHost(): string {
    return this.HOST ?? (this.apiKeys.length > 0 ? '0.0.0.0' : '127.0.0.1');
  }

  /** True when the API is reachable from other machines with no key asked (worth one warning at start-up). */
  get openBeyondLoopback(): boolean {
    return this.apiKeys.length === 0 && !['127.0.0.1', '::1', 'localhost'].includes(this.listenHost);
  }

  get apiKeys(): ApiKeyGrant[] {
    return splitList(this.API_KEYS).map((entry) => {
      const [key, collections] = entry.split(':');
      return { key, collections: collections === undefined ? null : collections.split('|') };
    });
  }

  get corsOrigins(): string[] {
    return splitList(this.CORS_ORIGINS);
  }

  /** Values that must never reach a log line: the API keys, the embedding provider's key, the database password. */
  get secrets(): string[] {
    const password = this.DATABASE_URL ? databasePassword(this.DATABASE_URL) : undefined;
    return [...this.apiKeys.map((grant) => grant.key), ...(this.EMBEDDING_API_KEY ? [this.EMBEDDING_API_KEY] : []), ...(password ? [password] : [])];
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** How a bad value is echoed in a ConfigError: secrets are named, never shown. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined) return 'null';
  if (name === 'API_KEYS' || name === 'EMBEDDING_API_KEY') return '<redacted>';
  if (name === 'DATABASE_URL') return JSON.stringify(value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:<redacted>@'));
  return JSON.stringify(value);
}

/** Reads and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const raw = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''));
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => `${e.property}=${shownValue(e.property, env[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  if (config.EMBEDDING_PROVIDER === 'openai' && (!config.EMBEDDING_BASE_URL || !config.EMBEDDING_MODEL)) {
    throw new ConfigError(['EMBEDDING_PROVIDER=openai: set EMBEDDING_BASE_URL (e.g. http://localhost:8000) and EMBEDDING_MODEL']);
  }
  if (config.INDEX_MIN_SEGMENT_CHUNKS > config.INDEX_MAX_TAIL_CHUNKS) {
    throw new ConfigError([
      `INDEX_MIN_SEGMENT_CHUNKS=${config.INDEX_MIN_SEGMENT_CHUNKS}: must not exceed INDEX_MAX_TAIL_CHUNKS (${config.INDEX_MAX_TAIL_CHUNKS})`,
    ]);
  }
  if (config.CHUNK_OVERLAP >= config.CHUNK_SIZE) {
    throw new ConfigError([`CHUNK_OVERLAP=${config.CHUNK_OVERLAP}: must be smaller than CHUNK_SIZE (${config.CHUNK_SIZE})`]);
  }
  return config;
}
