// Lints an OpenAPI document (a JSON file) with Redocly's recommended ruleset and prints the problems as JSON.
// A separate process because @redocly/openapi-core is an ES module, which jest's CommonJS runtime cannot load.
import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';

const source = readFileSync(process.argv[2], 'utf8');
const config = await createConfig({ extends: ['recommended'] });
const problems = await lintFromString({ source, config, absoluteRef: 'openapi.json' });
const simple = problems.map((p) => ({ severity: p.severity, rule: p.ruleId, message: p.message, pointer: p.location?.[0]?.pointer }));
process.stdout.write(JSON.stringify(simple));
