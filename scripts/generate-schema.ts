// npm run schema:generate: writes migrations/derived/10_parse_views.sql and docs/xapi-rules.md from
// src/schema/parse-views/ (the model of the xAPI specification and the rules), then says which derived files
// differ from what the latest migration names (migrations/README.md: how a change ships).
//   --amend-latest  rewrite the `@derived` lines of the latest migration instead (only for one not yet released)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { derivedDrift, rewriteDerivedLines } from '../src/schema/derived-lock.js';
import { readMigrationSet } from '../src/schema/migration-files.js';
import { rulesDoc } from '../src/schema/parse-views/rules-doc.js';
import { parseViewsSql } from '../src/schema/parse-views/views.js';

const { values: args } = parseArgs({ options: { 'amend-latest': { type: 'boolean', default: false } } });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function write(relative: string, text: string): void {
  const target = path.join(root, relative);
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  fs.writeFileSync(target, text);
  console.log(`${relative}: ${before === text ? 'unchanged' : 'written'} (${text.length} bytes)`);
}

write('migrations/derived/10_parse_views.sql', parseViewsSql());
write('docs/xapi-rules.md', rulesDoc());

const dir = path.join(root, 'migrations');
if (args['amend-latest']) {
  const file = rewriteDerivedLines(dir);
  console.log(`${path.relative(root, file)}: @derived lines rewritten`);
} else {
  const drift = derivedDrift(readMigrationSet(dir));
  for (const d of drift) {
    console.log(
      `${d.file} changed since migration ${d.namedBy ?? '(none)'}: ship it with a new migration that names it:\n` +
        `  -- @derived ${d.file} ${d.checksum}`,
    );
  }
}
