import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/errors/app-error';

/**
 * The collections the caller of one request may use: all of them (no API keys configured, or a key without a
 * collection list) or the ones its key lists in API_KEYS. Routes check it with `assertCanUse` before reading or
 * writing anything of a collection.
 */
export class CollectionAccess {
  static readonly unrestricted = new CollectionAccess(null, null);

  constructor(
    /** The API key's id (`key:` and 8 hex digits), null without API keys. */
    readonly keyId: string | null,
    private readonly collections: ReadonlySet<string> | null,
  ) {}

  /** The collections the caller is limited to, for a query to filter by; null when it may use every one. */
  get scope(): readonly string[] | null {
    return this.collections === null ? null : [...this.collections].sort();
  }

  canUse(collection: string): boolean {
    return this.collections === null || this.collections.has(collection);
  }

  /** The FORBIDDEN (403) error for a collection the caller may not use; undefined for one it may. */
  refusal(collection: string): AppError | undefined {
    if (this.canUse(collection)) return undefined;
    return new AppError(ErrorCode.Forbidden, `API key ${this.keyId} has no rights to collection "${collection}"`, { collection });
  }

  /** Throws FORBIDDEN (403) unless the caller may use `collection`. */
  assertCanUse(collection: string): void {
    const refusal = this.refusal(collection);
    if (refusal) throw refusal;
  }

  /**
   * Throws INGESTION_NOT_FOUND (404), exactly as for an unknown id, unless the caller may use the collection
   * of the ingestion it named by id: a 403 would tell it that the id exists.
   */
  assertCanSee(ingestion: { id: string; collection: string }): void {
    if (!this.canUse(ingestion.collection)) throw AppError.notFound(ingestion.id);
  }
}

const accessByRequest = new WeakMap<FastifyRequest, CollectionAccess>();

/** Called by the authentication hook, which runs before every route handler. */
export function grantAccess(request: FastifyRequest, access: CollectionAccess): void {
  accessByRequest.set(request, access);
}

export function accessOf(request: FastifyRequest): CollectionAccess {
  const access = accessByRequest.get(request);
  // A route asking for access that the hook skipped (a public route) would otherwise run unchecked.
  if (!access) throw new Error('No CollectionAccess for this request: the route is public or the authentication hook did not run');
  return access;
}

/** Route parameter: the request's CollectionAccess. */
export const Access = createParamDecorator((_data: unknown, context: ExecutionContext) => accessOf(context.switchToHttp().getRequest()));
