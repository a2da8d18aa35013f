import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { SUPPORTED_EXTENSIONS } from '../extraction/file-kind';

export interface LocalFile {
  path: string;
  size: number;
}

/**
 * The files named by the arguments: files as given (whatever their type: the server decides, and says why
 * it refuses one), folders searched recursively for supported files, and glob patterns expanded. Each file
 * once, in a stable order. Throws for an argument that matches nothing.
 */
export async function collectFiles(args: string[]): Promise<LocalFile[]> {
  const found = new Map<string, number>();
  const supported = `**/*.{${SUPPORTED_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`;
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    let paths: string[];
    if (info?.isFile()) paths = [resolve(arg)];
    else if (info?.isDirectory()) paths = await glob(supported, { cwd: arg, absolute: true, caseSensitiveMatch: false });
    else if (isDynamicPattern(arg)) paths = await glob(arg, { absolute: true, onlyFiles: true });
    else throw new Error(`${arg}: no such file or folder`);
    if (paths.length === 0) throw new Error(`${arg}: no ${info?.isDirectory() ? `${SUPPORTED_EXTENSIONS.join(', ')} files` : 'files'} found`);
    for (const path of paths) if (!found.has(path)) found.set(path, (await stat(path)).size);
  }
  return [...found].map(([path, size]) => ({ path, size })).sort((a, b) => a.path.localeCompare(b.path));
}

