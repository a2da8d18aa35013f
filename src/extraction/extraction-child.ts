/**
 * The extraction child process (forked by ExtractionSandbox, one per file): it parses one untrusted file and
 * sends back its text. Everything a hostile file can do — run the heap out, loop for a minute, overflow the
 * stack — happens here, under the limits the parent set, and never in the service's own process.
 */
import { readFile } from 'node:fs/promises';
import { AppError } from '../common/errors/app-error';
import { extractSandboxed, type ExtractedText, type SandboxedKind } from './parsers';

export interface ExtractionJob {
  path: string;
  kind: SandboxedKind;
  maxPages: number;
}

export type ExtractionReply = { ok: true; extracted: ExtractedText; peakRssKb: number } | { ok: false; message: string; peakRssKb: number };

async function run(job: ExtractionJob): Promise<ExtractionReply> {
  try {
    const extracted = await extractSandboxed(await readFile(job.path), job.kind, job.maxPages);
    return { ok: true, extracted, peakRssKb: process.resourceUsage().maxRSS };
  } catch (error) {
    // Whatever failed, it failed on this file: the parent answers UNREADABLE_FILE with this message.
    const message = error instanceof AppError ? error.message : `The file cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, message, peakRssKb: process.resourceUsage().maxRSS };
  }
}

process.once('message', (job: ExtractionJob) => {
  void run(job).then((reply) => process.send!(reply, () => process.exit(0)));
});
// The parent gone (killed, or it gave up on this file): nothing is left to answer, so nothing is left running.
process.once('disconnect', () => process.exit(0));
