import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { CollectionAccess, grantAccess } from './collection-access';

/**
 * Routes (the matched route template, not the raw URL, so no path trick reaches another route) open even when
 * API keys are configured: the probes (orchestrators cannot always send a header), the API docs, and the web
 * console's static files (`/`, `/assets/:name`: no data; the page asks for a key and sends it to /v1).
 */
const PUBLIC_ROUTES = /^\/(|assets\/:name|health\/(live|ready)|docs(\/.*)?)$/;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

interface ConfiguredKey {
  /** Shown in logs and used as the rate-limit bucket: a short hash, never the key. */
  id: string;
  digest: Buffer;
  access: CollectionAccess;
}

/**
 * Optional API keys (API_KEYS). Keys are compared as SHA-256 digests with timingSafeEqual: equal-length
 * buffers whatever the presented key's length, and every configured key is compared, so the time taken says
 * nothing about how much of a key was right or which key matched.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly keys: ConfiguredKey[];
  private readonly identified = new WeakMap<FastifyRequest, ConfiguredKey | null>();

  constructor(config: AppConfig) {
    this.keys = config.apiKeys.map(({ key, collections }) => {
      const id = `key:${sha256(key).toString('hex').slice(0, 8)}`;
      return { id, digest: sha256(key), access: new CollectionAccess(id, collections && new Set(collections)) };
    });
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** `route`: Fastify's matched route template (`request.routeOptions.url`), undefined for an unknown path. */
  isPublic(route: string | undefined): boolean {
    return route !== undefined && PUBLIC_ROUTES.test(route);
  }

  /** The configured key the request presents, or null (none, or not a configured one). */
  private keyOf(request: FastifyRequest): ConfiguredKey | null {
    const known = this.identified.get(request);
    if (known !== undefined) return known;
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    let match: ConfiguredKey | null = null;
    if (presented !== undefined) {
      const digest = sha256(presented);
      for (const key of this.keys) if (timingSafeEqual(digest, key.digest)) match = key;
    }
    this.identified.set(request, match);
    return match;
  }

  /** The rate-limit bucket: the API key when a valid one is presented, else the client address. */
  clientKey(request: FastifyRequest): string {
    return this.keyOf(request)?.id ?? `ip:${request.ip}`;
  }

  /**
   * Fastify hook (before the body is read): 401 unless keys are off, the path is public or a valid key is
   * presented; records which collections the request may use (see CollectionAccess).
   */
  readonly authenticate = async (request: FastifyRequest): Promise<void> => {
    if (!this.enabled) return grantAccess(request, CollectionAccess.unrestricted);
    if (this.isPublic(request.routeOptions.url)) return;
    const key = this.keyOf(request);
    if (key === null) {
      const message = request.headers.authorization ? 'The API key is not valid' : 'An API key is required: send Authorization: Bearer <key>';
      throw new AppError(ErrorCode.Unauthorized, message);
    }
    grantAccess(request, key.access);
    // The request's log line names the key (by its id): which clients still use a key about to be retired.
    request.log = request.log.child({ api_key_id: key.id });
  };
}
