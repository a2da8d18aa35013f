import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { loadConfig } from '../config/app-config';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { accessOf } from './collection-access';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-fedcba9876543210';

/** What the hook reads of a Fastify request; `route` is the matched route template. */
const requestWith = (route: string | undefined, authorization?: string) => {
  const log = { child: () => log };
  return {
    routeOptions: { url: route },
    ip: '10.0.0.7',
    log,
    headers: authorization === undefined ? {} : { authorization },
  } as unknown as FastifyRequest;
};

describe(ApiKeyAuthenticator.name, () => {
  const sut = new ApiKeyAuthenticator(loadConfig({ API_KEYS: `${KEY_A}, ${KEY_B}` }));

  it('should accept every configured key and tell them apart without revealing them', () => {
    const a = sut.clientKey(requestWith('/v1/search', `Bearer ${KEY_A}`));
    const b = sut.clientKey(requestWith('/v1/search', `bearer ${KEY_B}`));
    expect(a).toMatch(/^key:[0-9a-f]{8}$/);
    expect(b).toMatch(/^key:[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(KEY_A.slice(0, 8));
  });

  it('should reject a missing, wrong, truncated or extended key with UNAUTHORIZED', async () => {
    for (const header of [undefined, 'Bearer nope', `Bearer ${KEY_A.slice(0, -1)}`, `Bearer ${KEY_A}x`, KEY_A, `Basic ${KEY_A}`]) {
      await expect(sut.authenticate(requestWith('/v1/search', header))).rejects.toMatchObject({ code: ErrorCode.Unauthorized });
    }
    await expect(sut.authenticate(requestWith('/v1/search', `Bearer ${KEY_B}`))).resolves.toBeUndefined();
  });

  it("should leave the probes, the API docs and the web console's files open", async () => {
    for (const route of ['/health/live', '/health/ready', '/docs', '/docs/json', '/docs/*', '/', '/assets/:name']) {
      await expect(sut.authenticate(requestWith(route))).resolves.toBeUndefined();
    }
    // Metrics, look-alikes and unknown paths (no route matched) need a key.
    for (const route of ['/metrics', '/health/livez', '/v1/docs', '/v1/ingest', '/assets/x.js', undefined]) {
      await expect(sut.authenticate(requestWith(route))).rejects.toBeInstanceOf(AppError);
    }
  });

  it('should rate-limit by key when a valid one is presented, else by address', () => {
    expect(sut.clientKey(requestWith('/v1/search', `Bearer ${KEY_A}`))).toBe(sut.clientKey(requestWith('/', `Bearer ${KEY_A}`)));
    expect(sut.clientKey(requestWith('/v1/search', 'Bearer guessed-key-0000000000'))).toBe('ip:10.0.0.7');
  });

  it('should grant a key the collections API_KEYS lists for it, and an unscoped key every collection', async () => {
    const scoped = new ApiKeyAuthenticator(loadConfig({ API_KEYS: `${KEY_A}:support|faq,${KEY_B}` }));
    const accessWith = async (key: string) => {
      const request = requestWith('/v1/search', `Bearer ${key}`);
      await scoped.authenticate(request);
      return accessOf(request);
    };
    const limited = await accessWith(KEY_A);
    expect([limited.canUse('support'), limited.canUse('faq'), limited.canUse('default'), limited.canUse('Support')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(() => limited.assertCanUse('billing')).toThrow(expect.objectContaining({ code: ErrorCode.Forbidden, details: { collection: 'billing' } }));
    const unscoped = await accessWith(KEY_B);
    expect(unscoped.canUse('billing')).toBe(true);
  });

  it('should let everything through when no key is configured', async () => {
    const open = new ApiKeyAuthenticator(loadConfig({}));
    expect(open.enabled).toBe(false);
    const request = requestWith('/v1/search');
    await expect(open.authenticate(request)).resolves.toBeUndefined();
    expect(accessOf(request).canUse('any-collection')).toBe(true);
  });
});
