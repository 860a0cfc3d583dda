import { defineCommand } from 'citty';
import { loadConfig } from '../../config/env.js';
import { InputError } from '../../errors.js';
import { DEFAULT_GENERATE_OPTIONS, type GenerateOptions, generateBundles } from '../../generate/bundles.js';
import { layoutEncoder } from '../../generate/layout-keys.js';
import { writeBundles } from '../../generate/write-bundles.js';
import { createS3Client } from '../../plan/s3-client.js';
import { printJson, reportError } from '../run-command.js';

const d = DEFAULT_GENERATE_OPTIONS;

export default defineCommand({
  meta: {
    name: 'generate',
    description:
      'Write seeded, reproducible xAPI Video Profile bundles (section/{id}/video/{time}_bundle.jsonl) to a folder or to s3://bucket/prefix/.',
  },
  args: {
    target: { type: 'positional', description: './folder or s3://bucket/prefix/', required: true },
    seed: {
      type: 'string',
      description: `Random seed: the same seed gives the same bytes (default ${d.seed})`,
    },
    sections: { type: 'string', description: `Number of sections (default ${d.sections})` },
    videos: { type: 'string', description: `Videos per section (default ${d.videosPerSection})` },
    learners: { type: 'string', description: `Learners per section (default ${d.learnersPerSection})` },
    days: { type: 'string', description: `Days of activity (default ${d.days})` },
    'start-date': { type: 'string', description: `First day, YYYY-MM-DD (default ${d.startDate})` },
    'bundle-statements': {
      type: 'string',
      description: `At most this many statements per bundle (default ${d.bundleStatements})`,
    },
    layout: {
      type: 'string',
      description:
        'Write the keys under this key layout (as XAPI_KEY_LAYOUT), e.g. "firehose/section={section_id}/{yyyy}/{mm}/{dd}/{hh}/*"',
    },
    gzip: { type: 'boolean', description: 'Compress each bundle with gzip (adds .gz)' },
    json: { type: 'boolean', description: 'Print the summary as JSON' },
  },
  async run({ args }) {
    try {
      const options: GenerateOptions = {
        seed: args.seed === undefined ? undefined : /^\d+$/.test(args.seed) ? Number(args.seed) : args.seed,
        sections: count(args.sections, 'sections'),
        videosPerSection: count(args.videos, 'videos'),
        learnersPerSection: count(args.learners, 'learners'),
        days: count(args.days, 'days'),
        startDate: args['start-date'],
        bundleStatements: count(args['bundle-statements'], 'bundle-statements'),
      };
      const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
      const s3 = args.target.startsWith('s3://') ? createS3Client(loadConfig().s3) : undefined;
      try {
        const encode = layoutEncoder(args.layout, Boolean(args.gzip));
        const summary = await writeBundles(generateBundles(defined), args.target, s3, undefined, encode);
        if (args.json) printJson(summary);
        else
          console.log(
            `wrote ${summary.files} bundles to ${args.target}: ${summary.statements} statements, ` +
              `${summary.voiding} voiding, ${summary.broken} broken lines (${(summary.bytes / 1024).toFixed(0)} KiB)`,
          );
      } finally {
        s3?.destroy();
      }
    } catch (error) {
      reportError(error);
    }
  },
});

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InputError(`--${name} must be a positive integer`);
  return Number(value);
}
