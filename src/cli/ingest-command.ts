import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { relative } from 'node:path';
import { ServerUnreachableError, type ApiClient } from './api-client';
import type { LocalFile } from './collect-files';
import { formatBytes, formatTable, oneLine } from './format';

export interface IngestOptions {
  wait: boolean;
  /** Seconds to wait for the documents to finish before giving up on them. */
  timeout: number;
  pollIntervalMs: number;
  /** Extra form fields sent with every file (chunking, source_metadata). */
  fields: Record<string, string>;
  /** Send each file's documentId (so a second run updates rather than duplicates). */
  documentIds: boolean;
}

/** One document's journey, which becomes a row of the summary table. */
interface Outcome {
  file: LocalFile;
  id?: string;
  status: 'rejected' | 'accepted' | 'running' | 'completed' | 'failed' | 'timed out';
  chunks?: number | null;
  error?: string;
}

/** Uploads at once: enough to overlap network and server work, few enough not to flood a small server. */
const UPLOAD_CONCURRENCY = 3;
/** Status requests at once while waiting. */
const STATUS_CONCURRENCY = 8;
const FINAL = new Set<Outcome['status']>(['rejected', 'completed', 'failed', 'timed out']);

/**
 * `ingest`: uploads every file (progress in bytes), then follows each accepted document until it is
 * completed or failed (progress in documents), then prints a summary table. Resolves to the exit code:
 * 0 when every document was accepted (and, when waiting, completed), 1 otherwise.
 */
export async function runIngest(client: ApiClient, files: LocalFile[], options: IngestOptions, out: NodeJS.WriteStream): Promise<number> {
  const progress = new Progress(out);
  const outcomes: Outcome[] = files.map((file) => ({ file, status: 'accepted' }));

  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  progress.start('Uploading', totalBytes, (value, total) => `${formatBytes(value)} / ${formatBytes(total)}`);
  await forEachLimit(outcomes, UPLOAD_CONCURRENCY, async (outcome) => {
    try {
      const fields = options.documentIds ? { ...options.fields, document_id: outcome.file.documentId } : options.fields;
      const accepted = await client.uploadFile(outcome.file.path, outcome.file.size, fields, (bytes) => progress.increment(bytes));
      outcome.id = accepted.id;
      const unchanged = accepted.outcome === 'unchanged' ? ' (unchanged: the stored version has this content)' : '';
      progress.log(`uploaded  ${display(outcome.file)} → ${accepted.id}${unchanged}`);
    } catch (error) {
      if (error instanceof ServerUnreachableError) {
        progress.stop();
        throw error;
      }
      Object.assign(outcome, { status: 'rejected', error: message(error) });
      progress.log(`rejected  ${display(outcome.file)}: ${outcome.error}`);
    }
  });
  progress.stop();

  const accepted = outcomes.filter((o) => o.id);
  if (options.wait && accepted.length > 0) {
    const deadline = Date.now() + options.timeout * 1000;
    progress.start('Processing', accepted.length, (value, total) => `${value} / ${total} documents`);
    for (;;) {
      const pending = accepted.filter((o) => !FINAL.has(o.status));
      if (pending.length === 0) break;
      if (Date.now() > deadline) {
        for (const o of pending) Object.assign(o, { status: 'timed out', error: `not finished after ${options.timeout} s (still ${o.status})` });
        break;
      }
      await forEachLimit(pending, STATUS_CONCURRENCY, async (outcome) => {
        try {
          const status = await client.status(outcome.id!);
          Object.assign(outcome, { status: status.status, chunks: status.chunk_count, error: status.error ?? undefined });
        } catch (error) {
          Object.assign(outcome, { status: 'failed', error: message(error) });
        }
        if (outcome.status === 'completed') progress.log(`completed ${display(outcome.file)} (${outcome.chunks} chunks)`);
        if (outcome.status === 'failed') progress.log(`failed    ${display(outcome.file)}: ${outcome.error}`);
      });
      progress.update(accepted.filter((o) => FINAL.has(o.status)).length);
      if (accepted.some((o) => !FINAL.has(o.status))) await sleep(options.pollIntervalMs);
    }
    progress.stop();
  }

  out.write(`\n${summaryTable(outcomes)}\n\n`);
  const bad = outcomes.filter((o) => ['rejected', 'failed', 'timed out'].includes(o.status));
  const done = outcomes.filter((o) => o.status === 'completed').length;
  out.write(
    options.wait
      ? `${done} of ${outcomes.length} documents completed${bad.length ? `, ${bad.length} failed` : ''}.\n`
      : `${accepted.length} of ${outcomes.length} documents accepted; not waiting for them (check with \`status <id>\`).\n`,
  );
  if (bad.length > 0) {
    out.write(`\nFailures:\n${bad.map((o) => `  ${display(o.file)}: ${o.error}`).join('\n')}\n`);
  }
  return bad.length > 0 ? 1 : 0;
}

function summaryTable(outcomes: Outcome[]): string {
  return formatTable(
    ['FILE', 'SIZE', 'STATUS', 'CHUNKS', 'ID'],
    outcomes.map((o) => [display(o.file), formatBytes(o.file.size), o.status, o.chunks == null ? '' : String(o.chunks), o.id ?? '']),
  );
}

function display(file: LocalFile): string {
  const path = relative(process.cwd(), file.path);
  return oneLine(path.startsWith('..') ? file.path : path, 80);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * A live progress bar on a terminal; on anything else (a pipe, a CI log) plain lines, since a redrawn bar
 * would only be noise there.
 */
class Progress {
  private readonly interactive: boolean;
  private bars?: MultiBar;
  private bar?: SingleBar;
  private value = 0;
  private summary?: () => string;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.interactive = Boolean(out.isTTY);
  }

  start(label: string, total: number, describe: (value: number, total: number) => string): void {
    this.value = 0;
    this.summary = () => `${label}: ${describe(this.value, total)}`;
    if (!this.interactive) {
      this.out.write(`${label}: ${describe(0, total)}\n`);
      return;
    }
    this.bars = new MultiBar(
      {
        stream: this.out,
        format: (options, params) =>
          `${label.padEnd(10)} ${Presets.shades_classic.barCompleteChar.repeat(Math.round(params.progress * 30)).padEnd(30, Presets.shades_classic.barIncompleteChar)} ${describe(params.value, params.total)}`,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
      },
      Presets.shades_classic,
    );
    this.bar = this.bars.create(total, 0);
  }

  increment(by: number): void {
    this.value += by;
    this.bar?.update(this.value);
  }

  update(value: number): void {
    this.value = value;
    this.bar?.update(value);
  }

  /** A line above the bar (or just a line). */
  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else this.out.write(`${line}\n`);
  }

  stop(): void {
    if (!this.interactive && this.summary) this.out.write(`${this.summary()}\n`);
    this.summary = undefined;
    this.bars?.stop();
    this.bars = undefined;
    this.bar = undefined;
  }
}
