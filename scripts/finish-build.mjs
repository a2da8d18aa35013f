#!/usr/bin/env node
// The end of `npm run build`: tsc compiles only TypeScript, so this copies the web page's static files beside
// the compiled web module (dist/src/web/public, where WebAssets reads them) and makes the CLI executable.
import { chmodSync, cpSync, rmSync } from 'node:fs';

rmSync('dist/src/web/public', { recursive: true, force: true });
cpSync('src/web/public', 'dist/src/web/public', { recursive: true });
chmodSync('dist/src/cli/main.js', 0o755);
