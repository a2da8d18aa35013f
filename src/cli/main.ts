#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { relative } from 'node:path';
import { ApiClient } from './api-client';
import { collectFiles } from './collect-files';
import { formatTable, oneLine } from './format';
import { runIngest } from './ingest-command';
import { addManageCommands } from './manage-commands';

/**
 * ingestion-service's command-line client: everything goes through the service's public HTTP API at
 * --url (INGESTION_URL), with --api-key (INGESTION_API_KEY) when the server requires one. This is the
 * only place the CLI reads the environment; it is a separate program from the service.
 */
const DEFAULT_URL = 'http://localhost:3000';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function keyValue(value: string, previous: [string, string][] = []): [string, string][] {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('must look like key=value');
  return [...previous, [value.slice(0, at), value.slice(at + 1)]];
}

function client(command: Command): ApiClient {
  const { url, apiKey } = command.optsWithGlobals<{ url: string; apiKey?: string }>();
  return new ApiClient(url, apiKey);
}

/** What commander parses for `ingest` (see its options). */
interface IngestCommandOptions {
  wait: boolean;
  timeout: number;
  collection?: string;
  chunkingStrategy?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  metadata?: [string, string][];
  documentId: boolean;
}

const program = new Command()
  .name('ingestion-service')
  .description('Ingest files into ingestion-service, follow them, search and delete, over its HTTP API.')
  .addOption(new Option('--url <url>', 'server URL').env('INGESTION_URL').default(DEFAULT_URL))
  .addOption(new Option('--api-key <key>', 'API key, sent as "Authorization: Bearer <key>"').env('INGESTION_API_KEY'))
  .showHelpAfterError();

program
  .command('ingest')
  .description('Upload files (.txt, .md, .html, .pdf): files, folders (searched recursively) or glob patterns')
  .argument('<paths...>', 'files, folders or globs')
  .option('--no-wait', 'return once the files are accepted instead of waiting for them to be processed')
  .option('--timeout <seconds>', 'give up waiting after this long', positiveInt, 600)
  .option('--collection <name>', 'collection to ingest into (default: the server\'s "default")')
  .option('--chunking-strategy <strategy>', 'chunking strategy (the server lists the valid ones)')
  .option('--chunk-size <chars>', 'characters per chunk', positiveInt)
  .option('--chunk-overlap <chars>', 'characters shared by consecutive chunks', (v) => Number(v))
  .option('--metadata <key=value>', 'source_metadata stored with every chunk (repeatable)', keyValue)
  .option('--no-document-id', "send no document_id (by default each file's path relative to the folder given, so a re-run updates)")
  .action(async (paths: string[], options: IngestCommandOptions, command: Command) => {
    const api = client(command);
    const { files, skipped } = await collectFiles(paths);
    const fields: Record<string, string> = {};
    if (options.collection) fields.collection = options.collection;
    if (options.chunkingStrategy) fields.chunking_strategy = options.chunkingStrategy;
    if (options.chunkSize !== undefined) fields.chunk_size = String(options.chunkSize);
    if (options.chunkOverlap !== undefined) fields.chunk_overlap = String(options.chunkOverlap);
    if (options.metadata) fields.source_metadata = JSON.stringify(Object.fromEntries(options.metadata));
    for (const { path, reason } of skipped) process.stdout.write(`skipped   ${relative(process.cwd(), path)}: ${reason}\n`);
    const more = skipped.length > 0 ? ` (${skipped.length} skipped)` : '';
    process.stdout.write(`Ingesting ${files.length} file${files.length === 1 ? '' : 's'}${more} into ${api.url}\n`);
    const ingestOptions = { wait: options.wait, timeout: options.timeout, pollIntervalMs: 500, fields, documentIds: options.documentId };
    process.exitCode = await runIngest(api, files, ingestOptions, process.stdout);
  });

program
  .command('status')
  .description('Show the processing status of an ingestion')
  .argument('<id>', 'ingestion id')
  .option('--json', 'print the JSON answer')
  .action(async (id: string, options: { json?: boolean }, command: Command) => {
    const status = await client(command).status(id);
    if (options.json) return void process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    const rows = Object.entries(status).map(([key, value]) => [key, value === null ? '-' : String(value)]);
    process.stdout.write(`${formatTable(['FIELD', 'VALUE'], rows)}\n`);
  });

program
  .command('search')
  .description('Find the chunks most similar to a query')
  .argument('<query>', 'what to look for')
  .option('-k, --top-k <n>', 'how many chunks', positiveInt, 10)
  .option('--collection <name>', 'collection to search (default: the server\'s "default")')
  .option('--filter <key=value>', 'ingestion_id=<id> searches one ingestion; any other key filters on source_metadata (repeatable)', keyValue)
  .option('--json', 'print the JSON answer')
  .action(async (query: string, options: { topK: number; collection?: string; filter?: [string, string][]; json?: boolean }, command: Command) => {
    const body: Record<string, unknown> = { query, top_k: options.topK };
    if (options.collection) body.collection = options.collection;
    const metadata: Record<string, string> = {};
    for (const [key, value] of options.filter ?? []) {
      if (key === 'ingestion_id') body.ingestion_id = value;
      else metadata[key] = value;
    }
    // Metadata containment (`metadata` in the search request) needs a server that supports search filters.
    if (Object.keys(metadata).length > 0) body.metadata = metadata;
    const { results, hint } = await client(command).search(body);
    if (options.json) return void process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    if (results.length === 0) return void process.stdout.write(`No results.${hint ? ` ${hint}` : ''}\n`);
    for (const [i, hit] of results.entries()) {
      const source = String(hit.source_metadata.source ?? hit.source_metadata.file_name ?? hit.ingestion_id);
      const page = hit.chunk_metadata?.page;
      const pages =
        page === undefined ? '' : `, page ${String(page)}${hit.chunk_metadata?.page_end ? `-${String(hit.chunk_metadata.page_end)}` : ''}`;
      process.stdout.write(`${i + 1}. score ${hit.score.toFixed(3)}  ${source}${pages}  (ingestion ${hit.ingestion_id}, chunk ${hit.chunk_index})\n`);
      process.stdout.write(`   ${oneLine(hit.chunk_text, 300)}\n`);
    }
  });

program
  .command('delete')
  .description('Delete an ingestion and all its chunks')
  .argument('<id>', 'ingestion id')
  .action(async (id: string, _options: unknown, command: Command) => {
    const result = await client(command).delete(id);
    process.stdout.write(
      result.deleted ? `Deleted ${id} (${result.chunks_deleted} chunks).\n` : `Nothing to delete: ${id} does not exist (any more).\n`,
    );
  });

addManageCommands(program, client, positiveInt);

program.parseAsync(process.argv).catch((error: unknown) => {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}${cause}\n`);
  process.exitCode = 1;
});
