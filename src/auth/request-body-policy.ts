import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/errors/app-error';

/** Fastify route config (set with Nest's `@RouteConfig`) for the one route that takes multipart/form-data. */
export const MULTIPART_BODY = { body: 'multipart' } as const;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function mediaTypeOf(header: string): { type: string; charset?: string } {
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  return { type, charset };
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * What a body may be, checked before it is read: JSON routes take application/json in UTF-8 only, the upload
 * route multipart/form-data only. Form and multipart bodies are what a cross-site HTML form can send without a
 * CORS preflight, so refusing them on JSON routes also keeps other web pages from writing through a browser.
 */
export function checkBodyType(request: FastifyRequest): void {
  if (!STATE_CHANGING.has(request.method) || !hasBody(request) || request.routeOptions.url === undefined) return;
  const header = request.headers['content-type'];
  const expected = (request.routeOptions.config as { body?: string }).body === MULTIPART_BODY.body ? 'multipart/form-data' : 'application/json';
  if (!header) throw new AppError(ErrorCode.UnsupportedMediaType, `The body has no Content-Type; send Content-Type: ${expected}`);
  const { type, charset } = mediaTypeOf(header);
  if (type !== expected) {
    throw new AppError(ErrorCode.UnsupportedMediaType, `Content-Type ${type.slice(0, 100)} is not accepted here; send ${expected}`);
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AppError(ErrorCode.UnsupportedMediaType, `charset ${charset.slice(0, 40)} is not accepted; send UTF-8`);
  }
}

/** URL normalises both (default ports, case), so http://host:80 and http://host are one origin. */
function sameOrigin(origin: string, own: string): boolean {
  try {
    return new URL(origin).origin === new URL(own).origin;
  } catch {
    return false;
  }
}

/**
 * A browser names the page that sent a request in `Origin`. A state-changing request from a page of another
 * origin is refused unless CORS_ORIGINS lists it (the service's own page, same host, is always allowed).
 */
export function checkOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (!STATE_CHANGING.has(request.method) || origin === undefined) return;
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return;
  if (sameOrigin(origin, `${request.protocol}://${request.host}`)) return;
  throw new AppError(ErrorCode.Forbidden, `Cross-origin request from ${origin.slice(0, 200)} refused; list the origin in CORS_ORIGINS to allow it`);
}

/** Both checks as one preParsing hook (before any byte of the body is read). */
export function requestBodyPolicy(allowedOrigins: readonly string[]): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    checkOrigin(request, allowedOrigins);
    checkBodyType(request);
  };
}
