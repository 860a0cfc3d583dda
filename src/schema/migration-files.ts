import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from '../errors.js';

/**
 * The schema as files (migrations/README.md):
 * - versioned migrations, `NNNN_name.sql`: applied once, in order, never edited after a release (their checksum
 *   is recorded; an edited one is refused). Tables, columns and data moves live here.
 * - derived files, `derived/NN_name.sql`: views, materialized views and the analytics state, re-applied whenever
 *   their content changes. A version changes one by adding a versioned migration whose `@derived` line names the
 *   new content's sha256 (`npm run schema:generate` prints it), so the version number says which derived
 *   objects a database should have.
 *
 * Directives are comment lines of a migration: `-- @pause-loads` (refuse loads until the derived objects are
 * re-applied: for moves of the raw tables), `-- @procedure NAME` (a step written in TypeScript, see
 * src/schema/procedures.ts) and `-- @derived FILE SHA256` (the content of a derived file this version expects).
 * A derived file marked `-- @rebuilds-analytics` holds maintained state: a change to it rebuilds that state.
 */
export interface MigrationFile {
  version: number;
  name: string;
  /** sha256 of the file bytes: an applied migration whose file changed is refused. */
  checksum: string;
  sql: string;
  steps: MigrationStep[];
  /** Derived files this migration names, with the sha256 it expects of each. */
  derived: { file: string; checksum: string }[];
}

export type MigrationStep =
  | { kind: 'sql'; sql: string }
  | { kind: 'pause-loads' }
  | { kind: 'procedure'; name: string };

export interface DerivedFile {
  /** The file name, e.g. `10_parse_views.sql`. */
  file: string;
  checksum: string;
  sql: string;
  /** Holds the maintained analytics' state: a change rebuilds it from the raw tables. */
  rebuildsAnalytics: boolean;
  statements: string[];
}

export interface MigrationSet {
  dir: string;
  versioned: MigrationFile[];
  derived: DerivedFile[];
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const DERIVED_PATTERN = /^\d{2}_[a-z0-9_]+\.sql$/;

/** The migrations folder ships beside src/ and dist/ (and is copied next to the Lambda bundle). */
export function defaultMigrationsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../migrations'), path.resolve(here, 'migrations')];
  const found = candidates.find((dir) => fs.existsSync(dir));
  if (!found) throw new MigrationError(`No migrations folder found (looked in ${candidates.join(', ')})`);
  return found;
}

export function readMigrationSet(dir = defaultMigrationsDir()): MigrationSet {
  return { dir, versioned: readMigrationFiles(dir), derived: readDerivedFiles(dir) };
}

export function readMigrationFiles(dir = defaultMigrationsDir()): MigrationFile[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const migrations = files.map((file) => {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new MigrationError(`Migration file name ${file} does not match NNNN_name.sql`);
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    return {
      version: Number(match[1]),
      name: match[2] as string,
      checksum: sha256(sql),
      sql,
      steps: splitSteps(sql, file),
      derived: derivedLines(sql, file),
    };
  });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(
        `Migrations must be numbered 0001, 0002, … without gaps; found ${m.version} at ${i + 1}`,
      );
    }
  });
  return migrations;
}

export function readDerivedFiles(dir = defaultMigrationsDir()): DerivedFile[] {
  const derivedDir = path.join(dir, 'derived');
  if (!fs.existsSync(derivedDir)) return [];
  return fs
    .readdirSync(derivedDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      if (!DERIVED_PATTERN.test(file))
        throw new MigrationError(`Derived file name ${file} does not match NN_name.sql`);
      const sql = fs.readFileSync(path.join(derivedDir, file), 'utf8');
      return {
        file,
        checksum: sha256(sql),
        sql,
        rebuildsAnalytics: /^--\s*@rebuilds-analytics\s*$/m.test(sql),
        statements: splitStatements(sql),
      };
    });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Splits a migration into statements: each ends with `;` at the end of a line; `--` comments are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const STEP_DIRECTIVE = /^--\s*@(pause-loads|procedure)(?:\s+([a-z0-9-]+))?\s*$/;

/** The statements and step directives of a migration, in file order. */
function splitSteps(sql: string, file: string): MigrationStep[] {
  const steps: MigrationStep[] = [];
  let chunk: string[] = [];
  const flush = () => {
    for (const statement of splitStatements(chunk.join('\n'))) steps.push({ kind: 'sql', sql: statement });
    chunk = [];
  };
  for (const line of sql.split('\n')) {
    const directive = STEP_DIRECTIVE.exec(line.trim());
    if (!directive) {
      chunk.push(line);
      continue;
    }
    flush();
    if (directive[1] === 'pause-loads') steps.push({ kind: 'pause-loads' });
    else {
      if (!directive[2]) throw new MigrationError(`${file}: @procedure needs a name`);
      steps.push({ kind: 'procedure', name: directive[2] });
    }
  }
  flush();
  return steps;
}

const DERIVED_DIRECTIVE = /^--\s*@derived\s+(\S+)(?:\s+([0-9a-f]{64}))?\s*$/;

function derivedLines(sql: string, file: string): { file: string; checksum: string }[] {
  const out: { file: string; checksum: string }[] = [];
  for (const line of sql.split('\n')) {
    const m = DERIVED_DIRECTIVE.exec(line.trim());
    if (!m) continue;
    if (!m[2]) throw new MigrationError(`${file}: "@derived ${m[1]}" needs the file's sha256`);
    out.push({ file: m[1] as string, checksum: m[2] });
  }
  return out;
}

/** `0003_time_partitions` */
export function label(m: { version: number; name: string }): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}
