import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './app-process';

/** The newest PostgreSQL server binaries installed the Debian way (/usr/lib/postgresql/<major>/bin). */
function serverBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? join(root, majors[0], 'bin') : undefined;
}

/**
 * A PostgreSQL cluster of the test's own (temp data folder, own port and socket folder) that the test may stop
 * and start; the shared cluster must never be stopped. initdb refuses to run as root, so as root it runs as
 * the `postgres` OS user. The pgvector extension comes from the system-wide installation.
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly runAs: string | undefined,
  ) {}

  /** Why a private cluster cannot be made on this machine, or undefined when it can. */
  static unavailableReason(): string | undefined {
    return serverBinDir() ? undefined : 'no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin';
  }

  static async start(): Promise<PrivatePostgres> {
    const bin = serverBinDir();
    if (!bin) throw new Error(PrivatePostgres.unavailableReason());
    const runAs = userInfo().uid === 0 ? 'postgres' : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'ingestion-private-pg-'));
    if (runAs) {
      const uid = Number(execFileSync('id', ['-u', runAs]).toString());
      const gid = Number(execFileSync('id', ['-g', runAs]).toString());
      chownSync(dir, uid, gid);
    }
    const server = new PrivatePostgres(bin, dir, await freePort(), runAs);
    server.run('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    await server.resume();
    server.run('createdb', ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', 'ingestion_test']);
    return server;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/ingestion_test`;
  }

  /** Starts the server and waits until it accepts connections. */
  async resume(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.run('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', 'start']);
  }

  /** Stops the server at once (fast shutdown: open connections are cut, as in a crash or a failover). */
  async pause(): Promise<void> {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    try {
      this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const command = join(this.bin, tool);
    const [file, argv] = this.runAs ? ['runuser', ['-u', this.runAs, '--', command, ...args]] : [command, args];
    execFileSync(file, argv, { stdio: 'pipe', cwd: this.dir, timeout: 60_000 });
  }
}
