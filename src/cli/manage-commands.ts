import type { Command } from 'commander';
import type { ApiClient, Status } from './api-client';
import { formatTable, oneLine } from './format';

const print = (text: string) => void process.stdout.write(`${text}\n`);
const json = (value: unknown) => print(JSON.stringify(value, null, 2));

/** Seeing and managing what is stored: list, collections, chunks, retry, cancel (each with --json). */
export function addManageCommands(program: Command, client: (command: Command) => ApiClient, positiveInt: (value: string) => number): void {
  program
    .command('list')
    .description('List ingestions, newest first, a page at a time')
    .option('--collection <name>', 'only this collection')
    .option('--status <status>', 'only this status (accepted, running, completed, failed, superseded, cancelled)')
    .option('--limit <n>', 'ingestions per page (1-500)', positiveInt, 50)
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .option('--json', 'print the JSON answer')
    .action(async (options: { collection?: string; status?: string; limit: number; cursor?: string; json?: boolean }, command: Command) => {
      const page = await client(command).list({
        collection: options.collection,
        status: options.status,
        limit: String(options.limit),
        cursor: options.cursor,
      });
      if (options.json) return json(page);
      if (page.items.length === 0) return print('No ingestions.');
      print(formatTable(['ID', 'STATUS', 'COLLECTION', 'CHUNKS', 'CREATED', 'SOURCE'], page.items.map(ingestionRow)));
      if (page.next_cursor) print(`More: --cursor ${page.next_cursor}`);
    });

  program
    .command('collections')
    .description('List the collections, with their ingestions by status and their chunks')
    .option('--json', 'print the JSON answer')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { items } = await client(command).collections();
      if (options.json) return json(items);
      if (items.length === 0) return print('No collections.');
      const rows = items.map((c) => {
        const counts = Object.entries(c.ingestions).filter(([, n]) => n > 0);
        return [c.name, counts.map(([status, n]) => `${n} ${status}`).join(', '), String(c.chunks), c.updated_at];
      });
      print(formatTable(['NAME', 'INGESTIONS', 'CHUNKS', 'UPDATED'], rows));
    });

  program
    .command('chunks')
    .description("Print an ingestion's stored chunks in order")
    .argument('<id>', 'ingestion id')
    .option('--json', 'print the chunks as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const api = client(command);
      const chunks = [];
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await api.chunks(id, cursor);
        chunks.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      }
      if (options.json) return json(chunks);
      if (chunks.length === 0) return print('No chunks stored (yet).');
      for (const chunk of chunks) print(`#${chunk.chunk_index}  ${oneLine(chunk.text, 300)}`);
    });

  program
    .command('retry')
    .description('Put a failed ingestion back to the queue, or with --failed every failed one')
    .argument('[id]', 'ingestion id')
    .option('--failed', 'every failed ingestion (of --collection, whose error contains --error-contains)')
    .option('--collection <name>', 'with --failed: only this collection')
    .option('--error-contains <text>', 'with --failed: only those whose error contains this text')
    .option('--json', 'print the JSON answer')
    .action(
      async (
        id: string | undefined,
        options: { failed?: boolean; collection?: string; errorContains?: string; json?: boolean },
        command: Command,
      ) => {
        if ((id === undefined) === !options.failed) command.error('error: give an ingestion id or --failed (not both)');
        const api = client(command);
        if (id === undefined) {
          const result = await api.retryFailed({ collection: options.collection, error_contains: options.errorContains });
          return options.json ? json(result) : print(`Requeued ${result.requeued} failed ingestion(s).`);
        }
        const status = await api.retry(id);
        return options.json ? json(status) : print(`Requeued ${id}: ${status.status}.`);
      },
    );

  program
    .command('cancel')
    .description('Cancel an ingestion not finished yet: it stores nothing')
    .argument('<id>', 'ingestion id')
    .option('--json', 'print the JSON answer')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const status = await client(command).cancel(id);
      return options.json ? json(status) : print(`Cancelled ${id}.`);
    });
}

function ingestionRow(item: Status): string[] {
  const source = (item.source_metadata as Record<string, unknown> | undefined)?.source;
  return [
    item.id,
    item.status,
    String(item.collection),
    item.chunk_count === null ? '-' : String(item.chunk_count),
    String(item.created_at),
    typeof source === 'string' ? oneLine(source, 60) : '-',
  ];
}
