#!/usr/bin/env node
// Part of `npm run build`: tsc compiles only TypeScript, so the web page's static files are copied beside
// the compiled web module (dist/src/web/public), where WebAssets reads them.
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/src/web/public', { recursive: true, force: true });
cpSync('src/web/public', 'dist/src/web/public', { recursive: true });
