import { Injectable, OnModuleInit } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** The console's files: `public/` beside this module (`npm run build` copies it into dist). */
export const WEB_ASSET_DIR = join(__dirname, 'public');

/** The only kinds of file served; anything else in the folder is left alone. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A bound on what is held in memory: the console is a few small hand-written files, not a place for bundles or images. */
const MAX_FILES = 32;
const MAX_TOTAL_BYTES = 1024 * 1024;

export interface WebAsset {
  body: Buffer;
  contentType: string;
}

/**
 * The console's files, read once at start-up from one flat folder, so serving them touches no disk and no
 * request can name a path outside it: a request names a file, and only the files read here exist.
 */
@Injectable()
export class WebAssets implements OnModuleInit {
  private readonly files = new Map<string, WebAsset>();

  onModuleInit(): void {
    let total = 0;
    for (const entry of readdirSync(WEB_ASSET_DIR, { withFileTypes: true })) {
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || contentType === undefined) continue;
      const body = readFileSync(join(WEB_ASSET_DIR, entry.name));
      total += body.length;
      this.files.set(entry.name, { body, contentType });
    }
    if (this.files.size > MAX_FILES || total > MAX_TOTAL_BYTES) {
      throw new Error(
        `${WEB_ASSET_DIR} holds ${this.files.size} files of ${total} bytes; the console is limited to ${MAX_FILES} files, ${MAX_TOTAL_BYTES} bytes`,
      );
    }
    if (!this.files.has('index.html')) throw new Error(`${WEB_ASSET_DIR}/index.html is missing: run npm run build`);
  }

  /** The file of that name, or undefined when there is none. */
  get(name: string): WebAsset | undefined {
    return this.files.get(name);
  }
}
