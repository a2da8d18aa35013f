// Lets the extraction child (extraction-child.ts) run from the TypeScript sources, as it does under jest,
// which compiles in memory with SWC: the same SWC options as jest.config.js. The built service forks
// dist/src/extraction/extraction-child.js and never loads this file.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
