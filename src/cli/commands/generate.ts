import type { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { createS3Client } from '../../plan/s3-client.js';
import {
  DEFAULT_GENERATE_OPTIONS,
  type GenerateOptions,
  generateBundles,
} from '../../tools/generate/bundles.js';
import { layoutEncoder } from '../../tools/generate/layout-keys.js';
import { writeBundles } from '../../tools/generate/write-bundles.js';
import { wholeNumber } from '../option-values.js';
import { printJson, reportError } from '../run-command.js';

const d = DEFAULT_GENERATE_OPTIONS;

interface GenerateFlags {
  seed?: string;
  sections?: number;
  videos?: number;
  learners?: number;
  days?: number;
  startDate?: string;
  bundleStatements?: number;
  layout?: string;
  gzip?: boolean;
  json?: boolean;
}

export default (command: Command): Command =>
  command
    .description(
      'Write seeded, reproducible xAPI Video Profile bundles (section/{id}/video/{time}_bundle.jsonl) to a folder or to s3://bucket/prefix/.',
    )
    .argument('<target>', './folder or s3://bucket/prefix/')
    .option('--seed <seed>', `Random seed: the same seed gives the same bytes (default ${d.seed})`)
    .option('--sections <n>', `Number of sections (default ${d.sections})`, wholeNumber('--sections', 1))
    .option('--videos <n>', `Videos per section (default ${d.videosPerSection})`, wholeNumber('--videos', 1))
    .option(
      '--learners <n>',
      `Learners per section (default ${d.learnersPerSection})`,
      wholeNumber('--learners', 1),
    )
    .option('--days <n>', `Days of activity (default ${d.days})`, wholeNumber('--days', 1))
    .option('--start-date <day>', `First day, YYYY-MM-DD (default ${d.startDate})`)
    .option(
      '--bundle-statements <n>',
      `At most this many statements per bundle (default ${d.bundleStatements})`,
      wholeNumber('--bundle-statements', 1),
    )
    .option(
      '--layout <layout>',
      'Write the keys under this key layout (as XAPI_KEY_LAYOUT), e.g. "firehose/section={section_id}/{yyyy}/{mm}/{dd}/{hh}/*"',
    )
    .option('--gzip', 'Compress each bundle with gzip (adds .gz)')
    .option('--json', 'Print the summary as JSON')
    .action(generate);

async function generate(target: string, args: GenerateFlags): Promise<void> {
  try {
    const options: GenerateOptions = {
      seed: args.seed === undefined ? undefined : /^\d+$/.test(args.seed) ? Number(args.seed) : args.seed,
      sections: args.sections,
      videosPerSection: args.videos,
      learnersPerSection: args.learners,
      days: args.days,
      startDate: args.startDate,
      bundleStatements: args.bundleStatements,
    };
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const s3 = target.startsWith('s3://') ? createS3Client(loadConfig().s3) : undefined;
    try {
      const encode = layoutEncoder(args.layout, Boolean(args.gzip));
      const summary = await writeBundles(generateBundles(defined), target, s3, undefined, encode);
      if (args.json) printJson(summary);
      else
        console.log(
          `wrote ${summary.files} bundles to ${target}: ${summary.statements} statements, ` +
            `${summary.voiding} voiding, ${summary.broken} broken lines (${(summary.bytes / 1024).toFixed(0)} KiB)`,
        );
    } finally {
      s3?.destroy();
    }
  } catch (error) {
    reportError(error);
  }
}
