import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';

/** What the service answers when it accepts a document (202). */
export interface Accepted {
  id: string;
  status: string;
  status_url: string;
  outcome?: 'created' | 'replayed' | 'unchanged';
}

export interface Status {
  id: string;
  status: 'accepted' | 'running' | 'completed' | 'failed' | 'superseded' | 'cancelled';
  attempts: number;
  error: string | null;
  chunk_count: number | null;
  [key: string]: unknown;
}

export interface SearchHit {
  chunk_id: string;
  ingestion_id: string;
  chunk_index: number;
  chunk_text: string;
  score: number;
  source_metadata: Record<string, unknown>;
  chunk_metadata?: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface CollectionSummary {
  name: string;
  ingestions: Record<string, number>;
  chunks: number;
  updated_at: string;
}

export interface StoredChunk {
  chunk_index: number;
  text: string;
  metadata: Record<string, unknown>;
  [key: string]: unknown;
}

/** `?a=1&b=2` of the defined entries, or nothing. */
function queryString(query: Record<string, string | undefined>): string {
  const defined = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return defined.length > 0 ? `?${new URLSearchParams(defined).toString()}` : '';
}

/** An error answer of the service, in its one error shape. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server could not be reached at all: no use trying the other files. */
export class ServerUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    const reason = errorCode(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    super(`cannot reach ingestion-service at ${url} (${reason}). Is it running (npm start)? Set the address with --url or INGESTION_URL.`);
    this.name = 'ServerUnreachableError';
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The service's public HTTP API, as the CLI uses it. Nothing but `baseUrl` is ever contacted. */
export class ApiClient {
  private readonly baseUrl: URL;

  constructor(
    baseUrl: string,
    private readonly apiKey?: string,
  ) {
    this.baseUrl = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  }

  get url(): string {
    return this.baseUrl.origin;
  }

  status(id: string): Promise<Status> {
    return this.json('GET', `v1/status/${encodeURIComponent(id)}`);
  }

  search(body: Record<string, unknown>): Promise<{ results: SearchHit[]; hint?: string }> {
    return this.json('POST', 'v1/search', body);
  }

  /** One page of GET /v1/ingest; `query` holds its query parameters. */
  list(query: Record<string, string | undefined>): Promise<Page<Status>> {
    return this.json('GET', `v1/ingest${queryString(query)}`);
  }

  collections(): Promise<{ items: CollectionSummary[] }> {
    return this.json('GET', 'v1/collections');
  }

  chunks(id: string, cursor?: string): Promise<Page<StoredChunk>> {
    return this.json('GET', `v1/ingest/${encodeURIComponent(id)}/chunks${queryString({ limit: '500', cursor })}`);
  }

  retry(id: string): Promise<Status> {
    return this.json('POST', `v1/ingest/${encodeURIComponent(id)}/retry`, {});
  }

  retryFailed(body: { collection?: string; error_contains?: string }): Promise<{ requeued: number }> {
    return this.json('POST', 'v1/ingest/retry', body);
  }

  cancel(id: string): Promise<Status> {
    return this.json('POST', `v1/ingest/${encodeURIComponent(id)}/cancel`, {});
  }

  delete(id: string): Promise<{ id: string; deleted: boolean; chunks_deleted: number }> {
    return this.json('DELETE', `v1/ingest/${encodeURIComponent(id)}`);
  }

  /**
   * Uploads one file to POST /v1/ingest/file as multipart/form-data, streamed from disk; `onBytes` is
   * called with the number of file bytes just sent.
   */
  uploadFile(path: string, size: number, fields: Record<string, string>, onBytes: (bytes: number) => void): Promise<Accepted> {
    const boundary = `----ingestion-service-${randomBytes(12).toString('hex')}`;
    const fieldParts = Object.entries(fields).map(
      ([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
    const fileName = basename(path).replace(/["\r\n]/g, '_');
    const head = Buffer.from(
      `${fieldParts.join('')}--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${fileName}"\r\n` +
        `content-type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const target = new URL('v1/ingest/file', this.baseUrl);
    return new Promise<Accepted>((resolve, reject) => {
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        headers: {
          ...this.authHeader(),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + size + tail.length,
        },
      });
      request.on('response', (response) => void readJson<Accepted>(response).then(resolve, (error: Error) => reject(error)));
      request.on('error', (error) => reject(this.unreachable(error)));
      request.write(head);
      const file = createReadStream(path);
      file.on('data', (chunk) => onBytes(chunk.length));
      file.on('error', (error) => request.destroy(error));
      file.on('end', () => request.end(tail));
      file.pipe(request, { end: false });
    });
  }

  private unreachable(error: Error): Error {
    const code = errorCode(error);
    return code && UNREACHABLE.has(code) ? new ServerUnreachableError(this.url, error) : error;
  }

  private authHeader(): Record<string, string> {
    return this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { ...this.authHeader(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: Error) => {
      throw this.unreachable(error);
    });
    const payload = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw toApiError(response.status, payload);
    return payload as T;
  }
}

function readJson<T>(response: IncomingMessage): Promise<T> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => {
      let payload: Record<string, unknown> = {};
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // not JSON: reported by status code below
      }
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve(payload as T);
      else reject(toApiError(status, payload));
    });
  });
}

function toApiError(status: number, payload: Record<string, unknown>): ApiError {
  const details = Array.isArray(payload.details)
    ? ` (${(payload.details as { field: string; messages: string[] }[]).map((d) => `${d.field}: ${d.messages.join(', ')}`).join('; ')})`
    : '';
  const message = typeof payload.message === 'string' ? payload.message : `HTTP ${status}`;
  return new ApiError(status, typeof payload.code === 'string' ? payload.code : `HTTP_${status}`, `${message}${details}`);
}
