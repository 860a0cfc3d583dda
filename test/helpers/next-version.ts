import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  defaultMigrationsDir,
  type MigrationSet,
  readMigrationSet,
  sha256,
} from '../../src/schema/migration-files.js';

/**
 * The next version of the schema, as a maintainer would ship it (migrations/README.md): this version's
 * migrations copied, derived files edited, and a new migration naming each edited file's new content.
 */
export function nextVersion(name: string, edit: (file: string, sql: string) => string): MigrationSet {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-next-'));
  fs.cpSync(defaultMigrationsDir(), dir, { recursive: true });
  const changed: string[] = [];
  for (const file of fs.readdirSync(path.join(dir, 'derived'))) {
    const p = path.join(dir, 'derived', file);
    const before = fs.readFileSync(p, 'utf8');
    const after = edit(file, before);
    if (after === before) continue;
    fs.writeFileSync(p, after);
    changed.push(`-- @derived ${file} ${sha256(after)}`);
  }
  const version = readMigrationSet(dir).versioned.length + 1;
  fs.writeFileSync(
    path.join(dir, `${String(version).padStart(4, '0')}_${name}.sql`),
    `-- ${version}: ${name}\n${changed.join('\n')}\n`,
  );
  return readMigrationSet(dir);
}

export const RULE_CHANGE = (file: string, sql: string) =>
  file === '10_parse_views.sql'
    ? sql.replaceAll("'the line is empty'", "'the line is blank (nothing to load)'")
    : sql;
/** What counts as a completer: a `completed` statement instead of the coverage (a definition change). */
export const ANALYTICS_CHANGE = (file: string, sql: string) =>
  file === '40_analytics_state.sql'
    ? sql.replace('countIf(completed) AS completers,', 'countIf(has_completed_statement) AS completers,')
    : sql;
