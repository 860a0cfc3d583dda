import fs from 'node:fs';
import type { Command } from 'commander';
import { eraseActors } from '../../erasure/erase.js';
import { parseIdentifier } from '../../erasure/identifiers.js';
import { InputError } from '../../errors.js';
import { repeatable } from '../repeatable.js';
import { printJson, reportError, withRuntime } from '../run-command.js';

interface EraseOptions {
  actor?: string[];
  actorsFile?: string;
  dryRun?: boolean;
  json?: boolean;
}

export default (command: Command): Command =>
  command
    .description(
      'Remove learners everywhere (statements naming them, their video events, rejected lines and analytics), keep ' +
        'them out of every later load, and record the erasure (hashes and counts, never a name or mailbox).',
    )
    .option(
      '--actor <actor>',
      'The learner: mailto:… or an Agent as JSON with mbox, mbox_sha1sum, openid or account (repeatable)',
      repeatable,
    )
    .option('--actors-file <file>', 'A file with one actor a line (many learners in one pass)')
    .option('--dry-run', 'Only say what would be removed, per table')
    .option('--json', 'Print the result as JSON')
    .action(erase);

async function erase(args: EraseOptions): Promise<void> {
  let actors: string[];
  try {
    actors = [
      ...(args.actor ?? []),
      ...(args.actorsFile
        ? fs
            .readFileSync(args.actorsFile, 'utf8')
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
        : []),
    ];
    if (actors.length === 0) throw new InputError('name a learner: --actor mailto:… (or --actors-file FILE)');
  } catch (error) {
    reportError(error instanceof InputError ? error : new InputError(String((error as Error).message)));
    return;
  }
  await withRuntime(async (rt) => {
    const identifiers = actors.map(parseIdentifier);
    const result = await eraseActors(rt.engine.client, identifiers, {
      ...(rt.config.aspectsTable ? { aspectsTable: rt.config.aspectsTable } : {}),
      dryRun: args.dryRun,
      schema: rt.engine.schema,
      cluster: rt.engine.cluster,
    });
    if (args.json) return printJson(result);
    const verb = result.dry_run ? 'would remove' : 'removed';
    for (const [table, n] of Object.entries(result.removed)) console.log(`${verb} ${n} row(s) from ${table}`);
    console.log(
      result.dry_run
        ? `dry run: nothing removed (${result.actors} learner(s))`
        : `erasure ${result.erasure_id} recorded; later loads of these learners store nothing (reason erased_actor)`,
    );
  });
}
