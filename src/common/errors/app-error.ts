/** Every failure the service reports on purpose. The HTTP status is chosen in AppErrorFilter, not here. */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  InvalidId = 'INVALID_ID',
  InvalidJson = 'INVALID_JSON',
  InvalidUrl = 'INVALID_URL',
  IngestionNotFound = 'INGESTION_NOT_FOUND',
  /** A collection with no ingestions: collections exist through their ingestions. */
  CollectionNotFound = 'COLLECTION_NOT_FOUND',
  RouteNotFound = 'ROUTE_NOT_FOUND',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
  /** A transition the ingestion's status does not allow (retry of one not failed, cancel of a finished one). */
  StatusConflict = 'STATUS_CONFLICT',
  /** An uploaded file with no bytes. */
  EmptyFile = 'EMPTY_FILE',
  /** An uploaded file that cannot be decoded or parsed, or holds no text. */
  UnreadableFile = 'UNREADABLE_FILE',
  /** Every file extraction slot (FILE_EXTRACT_CONCURRENCY) is taken: retry after Retry-After. */
  ExtractionBusy = 'EXTRACTION_BUSY',
  /** INGEST_MAX_BACKLOG requests are waiting already: retry after Retry-After. */
  IngestBacklogFull = 'INGEST_BACKLOG_FULL',
  /** A search's query could not be embedded within EMBEDDING_TIMEOUT_MS. */
  EmbedderUnavailable = 'EMBEDDER_UNAVAILABLE',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  Unauthorized = 'UNAUTHORIZED',
  /** A valid API key that is limited to other collections. */
  Forbidden = 'FORBIDDEN',
  RateLimited = 'RATE_LIMITED',
  NotReady = 'NOT_READY',
  Internal = 'INTERNAL_ERROR',
}

export interface FieldError {
  field: string;
  messages: string[];
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[] | Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(id: string): AppError {
    return new AppError(ErrorCode.IngestionNotFound, `No ingestion with id ${id}`);
  }

  static collectionNotFound(name: string): AppError {
    return new AppError(ErrorCode.CollectionNotFound, `No collection "${name}": it has no ingestions`, { collection: name });
  }
}
