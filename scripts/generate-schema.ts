// npm run schema:generate: writes migrations/0002_parse_views.sql and docs/xapi-rules.md from src/schema/parse-views/ (the model of the
// xAPI specification and the rules). Run it after changing a rule; commit both.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rulesDoc } from '../src/schema/parse-views/rules-doc.js';
import { parseViewsSql } from '../src/schema/parse-views/views.js';

const target = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../migrations/0002_parse_views.sql',
);
const sql = parseViewsSql();
const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
fs.writeFileSync(target, sql);
console.log(
  `${path.relative(process.cwd(), target)}: ${before === sql ? 'unchanged' : 'written'} (${sql.length} bytes)`,
);

const docTarget = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/xapi-rules.md');
const doc = rulesDoc();
const docBefore = fs.existsSync(docTarget) ? fs.readFileSync(docTarget, 'utf8') : '';
fs.writeFileSync(docTarget, doc);
console.log(`${path.relative(process.cwd(), docTarget)}: ${docBefore === doc ? 'unchanged' : 'written'}`);
