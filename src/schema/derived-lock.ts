import fs from 'node:fs';
import path from 'node:path';
import { MigrationError } from '../errors.js';
import { label, type MigrationSet, readMigrationSet, sha256 } from './migration-files.js';

/**
 * A derived file changes only together with a new versioned migration that names its new sha256
 * (migrations/README.md): the schema version then says which derived objects a database has, so a version
 * behind is told apart from one ahead. These helpers check that rule (a unit test) and help keep it
 * (`npm run schema:generate`).
 */
export interface DerivedDrift {
  file: string;
  checksum: string;
  /** The latest migration naming the file, when one does. */
  namedBy?: string;
  expected?: string;
}

/** The checksum each derived file should have at this version: the latest migration naming it says. */
export function expectedDerived(set: MigrationSet): Map<string, { checksum: string; version: number }> {
  const out = new Map<string, { checksum: string; version: number }>();
  for (const m of set.versioned)
    for (const d of m.derived) out.set(d.file, { checksum: d.checksum, version: m.version });
  return out;
}

/** Derived files whose content is not what the latest migration naming them says (or that none names). */
export function derivedDrift(set: MigrationSet): DerivedDrift[] {
  const expected = expectedDerived(set);
  const drift: DerivedDrift[] = [];
  for (const d of set.derived) {
    const e = expected.get(d.file);
    if (e?.checksum === d.checksum) continue;
    const m = e ? set.versioned.find((v) => v.version === e.version) : undefined;
    drift.push({
      file: d.file,
      checksum: d.checksum,
      ...(m ? { namedBy: label(m), expected: e?.checksum } : {}),
    });
  }
  for (const [file] of expected) {
    if (!set.derived.some((d) => d.file === file))
      throw new MigrationError(`a migration names derived/${file}, which does not exist`);
  }
  return drift;
}

/**
 * Rewrites the `@derived` lines of the latest migration with the derived files' current checksums. Only for a
 * migration not yet released: an applied one would then be refused as edited.
 */
export function rewriteDerivedLines(dir: string): string {
  const set = readMigrationSet(dir);
  const latest = set.versioned.at(-1);
  if (!latest) throw new MigrationError('no migration to amend');
  const file = path.join(dir, `${label(latest)}.sql`);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const directive = /^--\s*@derived\s+(\S+)/;
  const first = lines.findIndex((l) => directive.test(l));
  const kept = lines.filter((l) => !directive.test(l));
  const fresh = set.derived.map((d) => `-- @derived ${d.file} ${sha256(d.sql)}`);
  kept.splice(first >= 0 ? first : kept.length, 0, ...fresh);
  fs.writeFileSync(file, kept.join('\n'));
  return file;
}
