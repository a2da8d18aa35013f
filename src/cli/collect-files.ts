import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { SUPPORTED_EXTENSIONS } from '../extraction/file-kind';

export interface LocalFile {
  path: string;
  size: number;
  /**
   * The document id sent with the file: its path relative to the folder given (or as given, for a file or a
   * glob), with forward slashes, so ingesting the same folder again updates those documents instead of
   * adding copies (the server answers `unchanged` for a file whose content did not change).
   */
  documentId: string;
}

export interface CollectedFiles {
  files: LocalFile[];
  /** Files inside the folders given that are not of a supported type, with why they were left out. */
  skipped: { path: string; reason: string }[];
}

const SUPPORTED = new Set(SUPPORTED_EXTENSIONS.map((e) => e.toLowerCase()));
const extensionOf = (path: string) => /\.[^./\\]+$/.exec(path)?.[0].toLowerCase() ?? '';
const slashed = (path: string) => path.split(sep).join('/');

/**
 * The files named by the arguments: files as given (whatever their type: the server decides, and says why
 * it refuses one), folders searched recursively for supported files (the others listed as skipped), and glob
 * patterns expanded. Each file once, in a stable order. Throws for an argument that matches nothing.
 */
export async function collectFiles(args: string[]): Promise<CollectedFiles> {
  const found = new Map<string, LocalFile>();
  const skipped: CollectedFiles['skipped'] = [];
  const add = async (path: string, documentId: string) => {
    if (!found.has(path)) found.set(path, { path, size: (await stat(path)).size, documentId: slashed(documentId) });
  };
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (info?.isFile()) {
      await add(resolve(arg), relative(process.cwd(), resolve(arg)));
    } else if (info?.isDirectory()) {
      const all = await glob('**/*', { cwd: arg, absolute: true, onlyFiles: true, dot: false });
      const kept = all.filter((path) => SUPPORTED.has(extensionOf(path)));
      for (const path of all.filter((p) => !SUPPORTED.has(extensionOf(p)))) {
        skipped.push({ path, reason: `${extensionOf(path) || 'no extension'} is not a supported type (${SUPPORTED_EXTENSIONS.join(', ')})` });
      }
      if (kept.length === 0) throw new Error(`${arg}: no ${SUPPORTED_EXTENSIONS.join(', ')} files found`);
      for (const path of kept) await add(path, relative(resolve(arg), path));
    } else if (isDynamicPattern(arg)) {
      const paths = await glob(arg, { absolute: true, onlyFiles: true });
      if (paths.length === 0) throw new Error(`${arg}: no files found`);
      for (const path of paths) await add(path, relative(process.cwd(), path));
    } else {
      throw new Error(`${arg}: no such file or folder`);
    }
  }
  const files = [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
  return { files, skipped: skipped.sort((a, b) => a.path.localeCompare(b.path)) };
}
