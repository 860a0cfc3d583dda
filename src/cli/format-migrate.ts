import type { MigrateEvent } from '../upgrade/migrate.js';

/** Progress on stderr: what runs, and a rebuild's sections as they finish. */
export function sayEvent(e: MigrateEvent): void {
  if (e.kind === 'migration') process.stderr.write(`xapi-etl migrate: applying ${e.label}\n`);
  else sayProgress(e);
}

/** The same without the migrations' names: what an automatic migration of the embedded engine says. */
export function sayProgress(e: MigrateEvent): void {
  if (e.kind === 'migration') return;
  if (e.kind === 'say') process.stderr.write(`xapi-etl migrate: ${e.message}\n`);
  else {
    const p = e.progress;
    if (p.phase === 'sections' && p.section !== undefined && p.sectionsDone % 10 !== 0) return;
    const what =
      p.phase === 'sections'
        ? `rebuilding the analytics: ${p.sectionsDone}/${p.sectionsTotal} sections`
        : p.phase === 'catch-up'
          ? `rebuilding the analytics: catching up ${p.loads} load(s) made meanwhile`
          : p.phase === 'cutover'
            ? 'rebuilding the analytics: switching to the new tables'
            : 'analytics rebuilt';
    process.stderr.write(`xapi-etl migrate: ${what}\n`);
  }
}
