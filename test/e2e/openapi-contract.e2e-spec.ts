import SwaggerParser from '@apidevtools/swagger-parser';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { request } from '../support/http';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

interface LintProblem {
  severity: string;
  rule: string;
  message: string;
  pointer?: string;
}

describeDatabase('OpenAPI contract: outside tools agree with the server', () => {
  const suite = useHttpApp({ POLLER_ENABLED: 'false' });
  let app: NestFastifyApplication;
  let document: any;
  let work: string;

  beforeAll(async () => {
    app = suite.app;
    document = (await request(app, 'GET', '/docs/json')).body;
    work = mkdtempSync(join(tmpdir(), 'openapi-contract-'));
    writeFileSync(join(work, 'openapi.json'), JSON.stringify(document));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('should be a valid OpenAPI document (swagger-parser)', async () => {
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toMatchObject({ openapi: document.openapi });
  });

  it("should pass Redocly's recommended rules with no error and no warning", async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'test/support/lint-openapi.mjs'), join(work, 'openapi.json')], { timeout: 60_000 });
    const problems = (JSON.parse(stdout) as LintProblem[]).filter(
      // The probes cannot answer a 4xx (no body, no parameters, no key, no rate limit); declaring one would be untrue.
      (problem) => !(problem.rule === 'operation-4xx-response' && problem.pointer?.startsWith('#/paths/~1health~1')),
    );
    expect(problems).toEqual([]);
  });

  it('should generate a client that a strict TypeScript program uses on every route without a cast (openapi-typescript)', async () => {
    const generator = join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');
    // --default-non-nullable false: by default openapi-typescript makes request fields that have a default required
    // (openapi-ts/openapi-typescript#2012); docs/api.md says to generate with this flag.
    const args = [generator, join(work, 'openapi.json'), '--default-non-nullable', 'false', '--output', join(work, 'api.ts')];
    await run(process.execPath, args, { timeout: 60_000 });
    copyFileSync(join(ROOT, 'test/support/openapi-client/uses-every-route.ts'), join(work, 'uses-every-route.ts'));
    const program = ts.createProgram([join(work, 'uses-every-route.ts')], {
      strict: true,
      noEmit: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      skipLibCheck: true,
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });

  it('should declare security per route: probes open, the API bearer or nothing when API_KEYS is unset', () => {
    for (const [path, item] of Object.entries<any>(document.paths)) {
      for (const operation of Object.values<any>(item)) {
        expect([path, operation.security]).toEqual([path, path.startsWith('/health/') ? [] : [{ bearer: [] }, {}]]);
      }
    }
    expect(document.components.securitySchemes.bearer).not.toHaveProperty('bearerFormat');
  });

  it('should describe the bodies the server really sends (ajv against the response schemas)', async () => {
    // Formats (uuid, date-time) are checked too, so a malformed id or timestamp fails the contract.
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    const check = (path: string, method: string, response: { status: number; body: unknown }) => {
      const declared = document.paths[path][method].responses[String(response.status)];
      expect([path, response.status, declared === undefined ? 'undeclared' : 'declared']).toEqual([path, response.status, 'declared']);
      const validate = ajv.compile({ $ref: `openapi.json${declared.content['application/json'].schema.$ref}` });
      expect([path, response.status, validate(response.body) ? 'valid' : validate.errors]).toEqual([path, response.status, 'valid']);
    };

    check('/health/live', 'get', await request(app, 'GET', '/health/live'));
    check('/health/ready', 'get', await request(app, 'GET', '/health/ready'));
    check('/v1/search', 'post', await request(app, 'POST', '/v1/search', { query: '', top_k: 0 }));
    const accepted = await request(app, 'POST', '/v1/ingest', { text: 'The contract test stores this text.' });
    check('/v1/ingest', 'post', accepted);
    check('/v1/ingest', 'post', await request(app, 'POST', '/v1/ingest', { text: 'x', unknown_field: 1 }));
    check('/v1/status/{id}', 'get', await request(app, 'GET', `/v1/status/${accepted.body.id}`));
    check('/v1/ingest/{id}', 'get', await request(app, 'GET', `/v1/ingest/${accepted.body.id}`));
    check('/v1/ingest/{id}', 'get', await request(app, 'GET', '/v1/ingest/not-a-uuid'));
    check('/v1/ingest', 'get', await request(app, 'GET', '/v1/ingest?limit=1'));
    check('/v1/ingest/{id}/chunks', 'get', await request(app, 'GET', `/v1/ingest/${accepted.body.id}/chunks`));
    await app.get(IngestionPoller).tick(); // processed: its chunk is checked too
    const chunks = await request(app, 'GET', `/v1/ingest/${accepted.body.id}/chunks?include=embedding`);
    expect(chunks.body.items).toHaveLength(1);
    check('/v1/ingest/{id}/chunks', 'get', chunks);
    check('/v1/ingest/{id}/chunks', 'get', await request(app, 'GET', '/v1/ingest/00000000-0000-4000-8000-000000000000/chunks'));
    check('/v1/ingest/{id}/chunks', 'get', await request(app, 'GET', `/v1/ingest/${accepted.body.id}/chunks?limit=0`));
    check('/v1/ingest', 'get', await request(app, 'GET', '/v1/ingest?limit=0&cursor=x'));
    check('/v1/search', 'post', await request(app, 'POST', '/v1/search', { query: 'contract', mode: 'hybrid' }));
    check('/v1/collections', 'get', await request(app, 'GET', '/v1/collections'));
    check('/v1/collections/{name}', 'get', await request(app, 'GET', '/v1/collections/default'));
    check('/v1/collections/{name}', 'get', await request(app, 'GET', '/v1/collections/empty'));
    check('/v1/collections/{name}', 'get', await request(app, 'GET', '/v1/collections/-x'));
    check('/v1/ingest/{id}', 'delete', await request(app, 'DELETE', `/v1/ingest/${accepted.body.id}`));
    check('/v1/collections/{name}', 'delete', await request(app, 'DELETE', '/v1/collections/empty'));
  });
});
