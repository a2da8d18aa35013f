import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { HeaderObject, OperationObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { FieldErrorDto } from '../common/errors/error-response.dto';
import { OPEN_SCHEMAS } from '../common/metadata.dto';
import { AppConfig } from '../config/app-config';

type Schema = SchemaObject | ReferenceObject;

const TAGS: Record<string, string> = {
  ingest: 'Submit texts and files, read and delete ingestions',
  status: 'Follow an ingestion through accepted, running, completed or failed',
  search: 'Vector, keyword and hybrid search over stored chunks',
  collections: 'Named groups of documents',
  operations: 'Health probes and Prometheus metrics (no API key needed for the probes)',
};

/** Headers a response can carry, declared once and referenced by every response that sends them. */
const HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    description: "The request's id: the client's own X-Request-Id when it sent a valid one, else a generated UUID; logged with every line",
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  'X-RateLimit-Limit': { description: 'Requests allowed per window (RATE_LIMIT_MAX)', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
};

function headersFor(status: string): string[] {
  if (status === '429') return ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
  if (status === '503') return ['X-Request-Id', 'Retry-After'];
  return ['X-Request-Id'];
}

/**
 * The OpenAPI document served at /docs/json. Nest's decorators describe each route; what they cannot say
 * (security per route, response headers, closed request bodies, the configured vector length, "query or
 * vector") is added here, once, so the document states what the server enforces and outside tools
 * (swagger-parser, Redocly, generated clients, Prism) agree with it.
 */
export function createOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('ingestion-service')
    .setDescription('Durable document ingestion for RAG: post text, poll its status, search its chunks by similarity and keywords.')
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'This instance')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Keys are opaque strings, not JWTs (Nest's default bearerFormat).
        bearerFormat: undefined,
        description: 'An opaque key, one of API_KEYS. Required when the server is configured with API_KEYS; without them every route is open.',
      },
      'bearer',
    );
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [FieldErrorDto] });
  document.components = { ...document.components, headers: HEADERS };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      operation.security = securityOf(path, config);
      declareResponseHeaders(operation);
    }
  }
  for (const name of OPEN_SCHEMAS) {
    const schema = document.components?.schemas?.[name];
    if (schema && !('$ref' in schema)) schema.additionalProperties = true;
  }
  closeRequestBodies(document);
  describeSearchRequest(document, config.EMBEDDING_DIMENSION);
  return document;
}

/** Probes stay open; the API needs a key only when API_KEYS is set (an empty requirement says "or none"). */
function securityOf(path: string, config: AppConfig): OperationObject['security'] {
  if (path.startsWith('/health/')) return [];
  return config.apiKeys.length > 0 ? [{ bearer: [] }] : [{ bearer: [] }, {}];
}

function declareResponseHeaders(operation: OperationObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!response || '$ref' in response) continue;
    response.headers = Object.fromEntries(headersFor(status).map((name) => [name, { $ref: `#/components/headers/${name}` }]));
  }
}

/** The validation pipe forbids unknown fields (forbidNonWhitelisted), so every JSON request schema is closed. */
function closeRequestBodies(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const close = (schema: Schema | undefined, seen: Set<string>): void => {
    if (!schema) return;
    if ('$ref' in schema) {
      const name = schema.$ref.split('/').pop()!;
      if (seen.has(name)) return;
      seen.add(name);
      return close(schemas[name], seen);
    }
    if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
    for (const property of Object.values(schema.properties ?? {})) close(property, seen);
    close(schema.items, seen);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.put, item.patch]) {
      const body = operation?.requestBody;
      if (body && !('$ref' in body)) close(body.content['application/json']?.schema, new Set());
    }
  }
}

/** Exactly one of query and vector, and a vector has exactly EMBEDDING_DIMENSION elements. */
function describeSearchRequest(document: OpenAPIObject, dimension: number): void {
  const schema = document.components?.schemas?.SearchRequestDto as SchemaObject | undefined;
  const vector = schema?.properties?.vector as SchemaObject | undefined;
  if (!schema || !vector) return;
  // A body with both matches both alternatives, so oneOf refuses it, as the server does.
  schema.oneOf = [{ required: ['query'] }, { required: ['vector'] }];
  vector.minItems = dimension;
  vector.maxItems = dimension;
  vector.example = exampleVector(dimension);
  const examples = document.paths['/v1/search']?.post?.requestBody;
  const rawVector = examples && !('$ref' in examples) ? examples.content['application/json']?.examples?.vector : undefined;
  if (rawVector && !('$ref' in rawVector)) rawVector.value = { ...(rawVector.value as object), vector: exampleVector(dimension) };
}

/** A unit-length example vector of the configured length (documents stay valid whatever EMBEDDING_DIMENSION is). */
function exampleVector(dimension: number): number[] {
  const value = Number((1 / Math.sqrt(dimension)).toFixed(6));
  return Array.from({ length: dimension }, () => value);
}
