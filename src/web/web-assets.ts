import { Injectable, OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The page's files: `public/` beside this module (`npm run build` copies it into dist). */
export const WEB_ASSET_DIR = join(__dirname, 'public');
const FILES = ['index.html', 'app.js', 'app.css'] as const;

/** The page's three small files, read once at start-up, so serving them touches no disk. */
@Injectable()
export class WebAssets implements OnModuleInit {
  private readonly files = new Map<string, string>();

  onModuleInit(): void {
    for (const name of FILES) this.files.set(name, readFileSync(join(WEB_ASSET_DIR, name), 'utf8'));
  }

  get(name: (typeof FILES)[number]): string {
    return this.files.get(name)!;
  }
}
