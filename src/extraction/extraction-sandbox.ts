import { Injectable, Logger } from '@nestjs/common';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { EXTRACTION_RETRY_AFTER_SECONDS } from '../common/errors/app-error.filter';
import { AppConfig } from '../config/app-config';
import type { ExtractionJob, ExtractionReply } from './extraction-child';
import type { ExtractedText, SandboxedKind } from './parsers';

/** How often the child's resident memory is read: at ~1 GB/s of allocation it overshoots its cap by ~50 MB. */
const MEMORY_CHECK_MS = 50;
/** The end of the child's stderr kept to tell a heap exhaustion from another crash. */
const STDERR_TAIL = 4096;

const LABELS: Record<SandboxedKind, string> = { pdf: 'PDF', html: 'HTML page' };

/** The limits one extraction runs under: the FILE_* settings. */
export interface ExtractionLimits {
  maxPages: number;
  timeoutMs: number;
  memoryMb: number;
  concurrency: number;
}

/** An extraction's text, and the child's peak resident memory (for the log and the tests). */
export type SandboxedText = ExtractedText & { peakRssMb: number };

/**
 * Parses untrusted files (PDF, HTML) in a child process, one per file, so that a hostile file can fail its
 * request but never the service: the child's heap is capped (`--max-old-space-size`), its resident memory is
 * watched (pdf.js inflates streams into ArrayBuffers, which the heap cap does not count) and it is killed at
 * FILE_EXTRACT_MEMORY_MB or after FILE_EXTRACT_TIMEOUT_MS. The event loop only waits. At most
 * FILE_EXTRACT_CONCURRENCY children run; beyond that a request is refused at once (503 EXTRACTION_BUSY +
 * Retry-After) rather than queued behind files that may each take the full timeout.
 */
@Injectable()
export class ExtractionSandbox {
  private readonly logger = new Logger(ExtractionSandbox.name);
  private readonly limits: ExtractionLimits;
  private running = 0;

  constructor(config: AppConfig) {
    this.limits = {
      maxPages: config.FILE_MAX_PAGES,
      timeoutMs: config.FILE_EXTRACT_TIMEOUT_MS,
      memoryMb: config.FILE_EXTRACT_MEMORY_MB,
      concurrency: config.FILE_EXTRACT_CONCURRENCY,
    };
  }

  async extract(path: string, kind: SandboxedKind): Promise<SandboxedText> {
    if (this.running >= this.limits.concurrency) {
      throw new AppError(
        ErrorCode.ExtractionBusy,
        `${this.running} files are being extracted, FILE_EXTRACT_CONCURRENCY is ${this.limits.concurrency}; retry in ${EXTRACTION_RETRY_AFTER_SECONDS} s`,
      );
    }
    this.running++;
    try {
      return await this.runChild({ path, kind, maxPages: this.limits.maxPages });
    } finally {
      this.running--;
    }
  }

  private runChild(job: ExtractionJob): Promise<SandboxedText> {
    const { timeoutMs, memoryMb } = this.limits;
    const child = fork(CHILD.script, [], {
      execArgv: [`--max-old-space-size=${memoryMb}`, ...CHILD.execArgv],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Structured clone instead of JSON: a text of tens of MB crosses without a JSON copy of it.
      serialization: 'advanced',
    });
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-STDERR_TAIL)));
    let reply: ExtractionReply | undefined;
    let killedFor: 'time' | 'memory' | undefined;
    let peakRssKb = 0;
    const kill = (reason: 'time' | 'memory') => {
      killedFor ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('time'), timeoutMs);
    const watchdog = setInterval(() => {
      const memory = residentMemoryKb(child.pid);
      if (!memory) return;
      peakRssKb = Math.max(peakRssKb, memory.peak);
      if (memory.current > memoryMb * 1024) kill('memory');
    }, MEMORY_CHECK_MS);
    child.on('message', (message: ExtractionReply) => (reply = message));
    return new Promise<SandboxedText>((resolve, reject) => {
      // 'error': the child could not be started or signalled, which is the service's failure (500), not the file's.
      const stopWatching = () => {
        clearTimeout(timer);
        clearInterval(watchdog);
      };
      child.once('error', (error) => {
        stopWatching();
        child.kill('SIGKILL');
        reject(error);
      });
      child.once('exit', (code, signal) => {
        stopWatching();
        peakRssKb = Math.max(peakRssKb, reply?.peakRssKb ?? 0);
        const peakRssMb = Math.round(peakRssKb / 1024);
        if (reply?.ok && !killedFor) return resolve({ ...reply.extracted, peakRssMb });
        const message = this.failure(LABELS[job.kind], reply, killedFor, stderr, code, signal);
        // A file the parser refused is the client's business (the answer says why); a child killed or crashed is ours to see.
        if (!reply) this.logger.warn(`Extraction of a ${job.kind} file stopped (child peak RSS ${peakRssMb} MB): ${message}`);
        reject(new AppError(ErrorCode.UnreadableFile, message, { peak_rss_mb: peakRssMb }));
      });
      child.send(job);
    });
  }

  private failure(
    kind: string,
    reply: ExtractionReply | undefined,
    killedFor: 'time' | 'memory' | undefined,
    stderr: string,
    code: number | null,
    signal: string | null,
  ): string {
    if (killedFor === 'time') return `Extracting the ${kind} took longer than FILE_EXTRACT_TIMEOUT_MS (${this.limits.timeoutMs} ms)`;
    // V8 aborts the child itself when its heap reaches --max-old-space-size.
    if (killedFor === 'memory' || /heap out of memory|Allocation failed/i.test(stderr)) {
      return `Extracting the ${kind} needed more than FILE_EXTRACT_MEMORY_MB (${this.limits.memoryMb} MB)`;
    }
    if (reply && !reply.ok) return reply.message;
    return `The ${kind} cannot be read: its extraction stopped (${signal ?? `exit code ${code}`})`;
  }
}

/**
 * The child's script: compiled JavaScript beside this file in the built service; the TypeScript source
 * under jest, which runs the sources, compiled on load by SWC (ts-register.cjs).
 */
const CHILD = (() => {
  const extension = extname(__filename);
  const script = join(__dirname, `extraction-child${extension}`);
  return { script, execArgv: extension === '.ts' ? ['--require', join(__dirname, 'ts-register.cjs')] : [] };
})();

/** The resident memory of a process now and at its peak, in kB (VmRSS, VmHWM of /proc; undefined elsewhere than Linux). */
function residentMemoryKb(pid: number | undefined): { current: number; peak: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const current = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    const peak = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return current && peak ? { current: Number(current[1]), peak: Number(peak[1]) } : undefined;
  } catch {
    return undefined; // gone already, or no /proc: the heap cap still holds
  }
}
