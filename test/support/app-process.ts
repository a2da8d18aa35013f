import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from './http';
import type { AppConfig } from '../../src/config/app-config';

/** The built entry point; tests and the bench run from the repository root. */
const MAIN = join(process.cwd(), 'dist', 'src', 'main.js');

/** Node's own options in `npm run start:prod` (`node <options> dist/src/main.js`): the service runs as it is deployed. */
export const SERVICE_NODE_ARGS: readonly string[] = (() => {
  const script: string = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).scripts['start:prod'];
  const words = script.split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/src/main.js') throw new Error(`unexpected start:prod script: ${script}`);
  return words.slice(1, -1);
})();

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The environment that points a child process at a test database's config (its schema, or its PGlite folder). */
export function databaseEnv(config: AppConfig): Record<string, string> {
  return config.DATABASE_URL
    ? { DATABASE_URL: config.DATABASE_URL, DB_SCHEMA: config.DB_SCHEMA, MIGRATIONS_RUN_ON_BOOT: 'true' }
    : { DATA_DIR: config.DATA_DIR };
}

/** The built service (`npm run build` output) running as a real child process, as `npm start` runs it. */
export class AppProcess {
  private output = '';
  private exit?: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    // 'close', not 'exit': only once stdout and stderr have ended is every line the process wrote in `output`.
    this.exit = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** `nodeArgs`: options for node itself (before the script), by default those of `npm run start:prod`. */
  static async start(env: Record<string, string>, { nodeArgs = SERVICE_NODE_ARGS }: { nodeArgs?: readonly string[] } = {}): Promise<AppProcess> {
    const port = env.PORT ? Number(env.PORT) : await freePort();
    const child = spawn(process.execPath, [...nodeArgs, MAIN], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(child, `http://127.0.0.1:${port}`);
  }

  get log(): string {
    return this.output;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The process's peak resident memory so far, in MB (VmHWM of /proc/<pid>/status; Linux only). */
  peakRssMb(): number {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!kb) throw new Error(`no VmHWM in /proc/${this.pid}/status`);
    return Number(kb[1]) / 1024;
  }

  /** Resolves when the HTTP API answers; rejects if the process exits first. */
  async ready(timeoutMs = 120_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exit?.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) throw new Error(`the app exited during start-up:\n${this.output}`);
      try {
        const response = await fetch(`${this.baseUrl}/docs/json`);
        // Read to its end: a body left unread keeps the connection busy, and the server's close waits for it.
        await response.arrayBuffer();
        if (response.ok) return this;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the app did not answer within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Resolves with the exit code once the process ends by itself. */
  exited(): Promise<number | null> {
    return this.exit!;
  }

  /** SIGKILL: no shutdown hooks, no chance to release anything. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exit;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exit;
  }

  /** Polls GET /v1/status/{id} until it reports `status`; resolves with that status body. */
  waitForStatus(id: string, status = 'completed', timeoutMs = 30_000): Promise<any> {
    return eventually(async () => {
      const { body } = await this.json('GET', `/v1/status/${id}`);
      return body.status === status ? body : undefined;
    }, timeoutMs);
  }

  async json<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  }

  /** SIGTERM, then the exit: resolves with the exit code, or the signal's name if the process re-raised it. */
  async terminate(): Promise<number | string | null> {
    this.child.kill('SIGTERM');
    const code = await this.exit;
    return code ?? this.child.signalCode;
  }
}
