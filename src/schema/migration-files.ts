import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from '../errors.js';

export interface MigrationFile {
  version: number;
  name: string;
  /** sha256 of the file bytes: an applied migration whose file changed is refused. */
  checksum: string;
  sql: string;
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The migrations folder ships beside src/ and dist/ (and is copied next to the Lambda bundle). */
export function defaultMigrationsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../migrations'), path.resolve(here, 'migrations')];
  const found = candidates.find((dir) => fs.existsSync(dir));
  if (!found) throw new MigrationError(`No migrations folder found (looked in ${candidates.join(', ')})`);
  return found;
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
      checksum: createHash('sha256').update(sql).digest('hex'),
      sql,
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
