import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`npm run build` output) as a user would, with `env` on top of a bare PATH. By default
 * it runs `node dist/src/cli/main.js`; `viaNpx` goes through `npx ingestion-service` (the package's bin,
 * which npx finds from the repository's folder). A run longer than `timeoutMs` is killed and fails.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; viaNpx?: boolean; timeoutMs?: number } = {},
): Promise<CliResult> {
  const [command, commandArgs] = options.viaNpx ? ['npx', ['--no', 'ingestion-service', ...args]] : [process.execPath, [CLI, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI ${args.join(' ')} still running after ${options.timeoutMs ?? 45_000} ms:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 45_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
