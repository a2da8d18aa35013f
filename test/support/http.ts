import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
}

/** One request through Fastify's full HTTP pipeline (routing, parsing, pipes, filters), without a socket. */
export async function request<T = any>(
  app: NestFastifyApplication,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const payload = typeof body === 'string' || body === undefined ? body : JSON.stringify(body);
  const contentType = body === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' };
  const response = await app.inject({ method, url, payload, headers: { ...contentType, ...headers } });
  return { status: response.statusCode, body: (response.body ? response.json() : undefined) as T, headers: response.headers };
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
