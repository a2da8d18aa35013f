#!/usr/bin/env node
// `npm run migration:create -- <name>`: writes migrations/Migration<timestamp>_<name>.ts and lists it in
// migrations/index.ts. Migrations are hand-written SQL in the service's schema (see the initial one).
import { readFileSync, writeFileSync } from 'node:fs';

const name = (process.argv[2] ?? '').replace(/[^A-Za-z0-9_]/g, '_');
if (!name) {
  console.error('usage: npm run migration:create -- <name>');
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const className = `Migration${stamp}_${name}`;
writeFileSync(
  `migrations/${className}.ts`,
  `import { Migration } from '@mikro-orm/migrations';

export class ${className} extends Migration {
  override name = '${className}';

  override up(): void {
    const s = \`"\${this.config.get('schema')}"\`;
    this.addSql(\`-- your SQL here, e.g. alter table \${s}.chunk_vectors ...\`);
  }

  override down(): void {
    const s = \`"\${this.config.get('schema')}"\`;
    this.addSql(\`-- undo it here, in \${s}\`);
  }
}
`,
);
const index = readFileSync('migrations/index.ts', 'utf8')
  .replace(/\n\n\/\*\*/, `\nimport { ${className} } from './${className}';\n\n/**`)
  .replace(/\];\s*$/, `, ${className}];\n`);
writeFileSync('migrations/index.ts', index);
console.log(`Created migrations/${className}.ts and listed it in migrations/index.ts`);
