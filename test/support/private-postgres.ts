import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './app-process';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const DATABASE = 'ingestion_test';

/**
 * A PostgreSQL server of the test's own (initdb into a temp folder, own port and socket folder), for tests
 * that stop and start the database. Never the shared cluster. initdb refuses root, so as root it runs as the
 * `postgres` OS user. pgvector comes from the system-wide installation.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** Why a private PostgreSQL cannot be started here, or undefined when it can. */
  static unavailableReason(): string | undefined {
    const missing = ['initdb', 'pg_ctl', 'postgres'].filter((b) => !existsSync(join(BIN, b)));
    return missing.length ? `PostgreSQL 15 binaries not found in ${BIN} (${missing.join(', ')})` : undefined;
  }

  /** initdb, start, and create the `ingestion_test` database with pgvector. */
  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'private-pg-'));
    if (userInfo().uid === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const server = new PrivatePostgres(dir, await freePort());
    await server.pg('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    await server.resume();
    const client = new Client({ connectionString: server.urlOf('postgres') });
    await client.connect();
    try {
      await client.query(`create database ${DATABASE}`);
    } finally {
      await client.end();
    }
    return server;
  }

  get url(): string {
    return this.urlOf(DATABASE);
  }

  /** Stops the server the way an outage does: every connection is cut (fast shutdown). */
  async pause(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  /** Stops the server the way a crash does: no shutdown checkpoint, every backend gone at once (crash recovery at the next start). */
  async stopImmediately(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** The postmaster and every process it started (backends, checkpointer, WAL writer, ...). */
  processIds(): number[] {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          // Field 4 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces).
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false; // ended meanwhile
        }
      })
      .map(Number);
    return [postmaster, ...children];
  }

  /** Sends `signal` to the postmaster and all its children (SIGSTOP: a stalled database; SIGCONT: back). */
  signalAll(signal: NodeJS.Signals): void {
    for (const pid of this.processIds()) {
      try {
        process.kill(pid, signal);
      } catch {
        // a backend that ended meanwhile
      }
    }
  }

  /** Starts (again) on the same port and data. */
  async resume(): Promise<void> {
    const options = `-c listen_addresses=127.0.0.1 -c port=${this.port} -c unix_socket_directories=${this.dir} -c fsync=off -c max_connections=50 -c shared_buffers=16MB`;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', 'start']);
  }

  async destroy(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private async pg(binary: string, args: string[]): Promise<void> {
    const [file, argv] = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', join(BIN, binary), ...args]] : [join(BIN, binary), args];
    await run(file, argv, { cwd: this.dir, timeout: 60_000 });
  }
}
