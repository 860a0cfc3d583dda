import type { LambdaResults } from './lambda/measure-lambda.js';
import type { MachineInfo } from './machine.js';
import { wrap } from './markdown.js';
import { type BenchSize, type Measure, measures } from './plan.js';
import type { ScaleResult, ScaleSpec } from './scale/child.js';
import { renderScale } from './scale/report.js';
import { MB, median } from './stats.js';
import type { ScenarioResult } from './types.js';

export interface ReportInput {
  quick: boolean;
  size: BenchSize;
  settings: Record<string, string>;
  machine: MachineInfo;
  engineVersion: string;
  loadAtStart: string;
  loadAtEnd: string;
  durationS: number;
  data: { statements: number; bytes: number };
  uploadsMs: Record<string, number>;
  plan: Measure[];
  results: Map<string, ScenarioResult[]>;
  scale?: { result: ScaleResult; spec: ScaleSpec };
  lambda?: LambdaResults;
}

const GROUPS = {
  local: 'From a local file (ClickHouse `file()`; the naive approach reads the same file)',
  s3: 'From s3rver (ClickHouse `s3()`; the naive approach downloads with the AWS SDK)',
  files: 'Many small files: the same statements, bulk mode from s3rver (listing and planning included)',
} as const;

/**
 * BENCHMARKS.md: the machine, the results (medians) and the targets, a short note per figure, and how to reproduce
 * them. How the figures were found, what was tried and earlier runs are hand-written in bench/notes.md, which this
 * file links to and never copies.
 */
export function renderReport(r: ReportInput): string {
  const ms = (id: string) => median((r.results.get(id) ?? []).map((x) => x.ms));
  const peak = (id: string) => median((r.results.get(id) ?? []).map((x) => x.peakRssBytes));
  const base = (id: string) => median((r.results.get(id) ?? []).map((x) => x.baseRssBytes));
  const perSecond = (id: string) => r.data.statements / (ms(id) / 1000);
  const [f1, , fMany] = r.size.fileCounts;
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    ...wrap(
      "What xapi-etl's load path and analytics measure on the machine below, against their targets: the medians of " +
        `the last \`npm run bench${r.quick ? ' -- --quick' : ''}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ` +
        `${Math.round(r.durationS)} s), which rewrites this file. ` +
        `${r.quick ? '**Quick run: 10× less data and one repetition — the ratios are only indicative.** ' : ''}` +
        `Each figure is the median of the runs shown (${r.size.reps} for most, ${r.size.slowReps} for the slowest; ` +
        'repetitions interleaved); every measurement runs in a fresh process with its own embedded-engine data ' +
        'directory, and ratios compare measurements of the same run. How to reproduce them is at the end; how they ' +
        'were found, what was tried, and earlier measurements: [bench/notes.md](bench/notes.md).',
    ),
    '',
  );
  if (Object.keys(r.settings).length > 0) {
    out.push(
      `Session settings for this run: \`${Object.entries(r.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}\`.`,
      '',
    );
  }
  const m = r.machine;
  out.push('## Machine', '', '| machine | |', '|---|---|');
  out.push(`| CPU | ${m.cpuModel}, **${m.cores} cores** |`);
  out.push(`| memory | ${m.memoryGiB} GiB |`);
  out.push(`| OS | ${m.os} |`);
  out.push(
    `| load average (1, 5, 15 min) | at start ${r.loadAtStart}; at end ${r.loadAtEnd} (the machine is shared: other work skews timings) |`,
  );
  out.push(`| Node.js | ${m.node} |`);
  out.push(`| engine | chDB ${m.chdbPackage} (npm \`chdb\`), ClickHouse \`version()\` ${r.engineVersion} |`);
  out.push(`| client | @clickhouse/client ${m.clickhouseClient} |`, '');
  const avg = r.data.bytes / r.data.statements;
  out.push(
    ...wrap(
      `**Data:** ${fmt(r.data.statements)} lines, ${(r.data.bytes / MB).toFixed(1)} MB (${avg.toFixed(0)} bytes a line) ` +
        'from the project generator (`src/tools/generate/`, seed 42): xAPI Video Profile sessions (played, paused, ' +
        'seeked, completed…), with voiding statements and broken lines that must be rejected. Uploading to s3rver ' +
        `(not timed): ${Object.entries(r.uploadsMs)
          .map(
            ([files, t]) =>
              `${fmt(Number(files))} file${files === '1' ? '' : 's'} in ${(t / 1000).toFixed(1)} s`,
          )
          .join(', ')}.`,
    ),
    '',
  );

  out.push('## Results', '');
  out.push(
    '| measurement | runs | median time | statements/s | MB/s | peak RSS of the engine process (before) | time vs full schema |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const [group, title] of Object.entries(GROUPS)) {
    const rows = r.plan.filter((p) => p.group === group);
    if (rows.length === 0) continue;
    out.push(`| **${title}** | | | | | | |`);
    const ref = group === 'files' ? rows[0]?.id : `${group}-full`;
    for (const p of rows) {
      const t = ms(p.id);
      out.push(
        `| ${p.label} | ${r.results.get(p.id)?.length ?? 0} | ${(t / 1000).toFixed(2)} s | ${fmt(Math.round(perSecond(p.id)))} | ${(r.data.bytes / MB / (t / 1000)).toFixed(1)} | ` +
          `${(peak(p.id) / MB).toFixed(0)} MB (${(base(p.id) / MB).toFixed(0)}) | ${ref ? `${(t / ms(ref)).toFixed(2)}×` : ''} |`,
      );
    }
  }
  out.push('', ...RESULT_NOTES, '');

  const t = (name: string, target: string, value: number, text: string, ok: boolean) =>
    `| ${name} | ${target} | ${Number.isFinite(value) ? text : 'not measured'} | ${Number.isFinite(value) ? (ok ? 'met' : '**missed**') : ''} |`;
  out.push('## Targets', '', '| target | wanted | measured (this run) | |', '|---|---|---|---|');
  const naiveX = ms('local-naive') / ms('local-full');
  out.push(
    t(
      'local file: full schema vs naive',
      '≥ 10× faster',
      naiveX,
      `${naiveX.toFixed(1)}× faster`,
      naiveX >= 10,
    ),
  );
  const rawX = ms('local-full') / ms('local-raw');
  out.push(
    t(
      'local file: full schema vs raw copy',
      '≤ 3× the time',
      rawX,
      `${rawX.toFixed(1)}× the time`,
      rawX <= 3,
    ),
  );
  const rate = perSecond('local-full');
  out.push(
    t('local file, 1 file: statements/s', '≥ 150,000/s', rate, `${fmt(Math.round(rate))}/s`, rate >= 150_000),
  );
  const s3X = ms('s3-full') / ms('s3-raw');
  out.push(
    t('s3rver: full schema vs raw copy', '≤ 1.5× the time', s3X, `${s3X.toFixed(2)}× the time`, s3X <= 1.5),
  );
  const filesX = ms(`files-${fMany}`) / ms(`files-${f1}`);
  out.push(
    t(
      `${fmt(fMany)} small files vs ${fmt(f1)} file`,
      '≤ 5× the time',
      filesX,
      `${filesX.toFixed(1)}× the time`,
      filesX <= 5,
    ),
  );
  const filesRawX = ms(`files-${fMany}`) / ms('files-raw');
  if (Number.isFinite(filesRawX))
    out.push(
      `| (context) ${fmt(fMany)} small files: bulk vs the raw copy of the same files | — | ${filesRawX.toFixed(1)}× the time; the raw copy alone is ${(ms('files-raw') / ms(`files-${f1}`)).toFixed(1)}× the one-file bulk run | |`,
    );
  const l = r.lambda;
  const init = l?.median.initMs ?? Number.NaN;
  out.push(t('handler cold start (module init)', '≤ 300 ms', init, `${init.toFixed(0)} ms`, init <= 300));
  const zip = l ? l.zipBytes / MB : Number.NaN;
  out.push(t('zipped bundle', '≤ 2 MB', zip, `${zip.toFixed(2)} MB`, zip <= 2), '');
  out.push(...TARGET_NOTES, '');

  if (r.scale) out.push(...renderScale(r.scale));

  if (l) {
    out.push('## Lambda side (the built package)', '');
    out.push('| | |', '|---|---|');
    out.push(
      `| zip / bundle | ${(l.zipBytes / MB).toFixed(2)} MB zipped; \`index.mjs\` ${(l.bundleBytes / MB).toFixed(2)} MB |`,
    );
    out.push(
      `| cold start, median of ${l.coldStarts.length} fresh \`node\` processes | Node start-up ${l.median.bootMs.toFixed(0)} ms, ` +
        `**module init ${l.median.initMs.toFixed(0)} ms**, first call (bulk dry run: S3 listing + ledger query) ${l.median.firstCallMs.toFixed(0)} ms |`,
    );
    for (const b of l.bulk) {
      out.push(
        `| coordinating a bulk load of ${fmt(b.files)} file${b.files > 1 ? 's' : ''} | handler process peak RSS **${(b.handler.peakRssBytes / MB).toFixed(0)} MB** ` +
          `(${(b.handler.rssAfterInitBytes / MB).toFixed(0)} MB after init; peak JS heap + external ${(b.handler.peakHeapBytes / MB).toFixed(0)} MB); ` +
          `${fmt(b.handler.events_processed ?? 0)} statements loaded in ${(b.handler.firstCallMs / 1000).toFixed(1)} s; engine process peak ${(b.enginePeakRssBytes / MB).toFixed(0)} MB |`,
      );
    }
    out.push('', ...LAMBDA_NOTES, '');
  }
  out.push(...reproduce(r.size));
  return `${out.join('\n')}\n`;
}

/** The notes under the results table: what each row measures. */
const RESULT_NOTES = [
  '- **full schema** is the load users run (`process`): one `INSERT … SELECT` through the parse view into the four',
  '  tables, the analytics refresh and the ledger included. **strict** checks every xAPI rule in the same load',
  '  ([docs/xapi.md](docs/xapi.md)).',
  '- **naive** is what a Lambda doing the work itself would do: read the file in Node, `JSON.parse`, insert with the',
  "  client. Part of its time is chDB's: each client insert becomes one SQL string the engine parses again.",
  '- **raw copy** (each line into one String column) is the floor for moving the bytes; **one JSON call per column**',
  '  is the same schema read with a `JSONExtract` per column instead of one typed parse.',
  '- **Many small files**: the same statements in more files, through bulk mode (listing and planning included);',
  '  "time vs" compares with the one-file bulk run. s3rver is one Node.js process on the same cores as the engine.',
  '- **Peak RSS** is the whole process (Node + chDB in-process) during the timed section (VmHWM reset just before',
  '  it); "before" is its RSS once the engine is open and migrated. chDB has no `system.query_log`, so per-query',
  '  `memory_usage` is not available.',
];

/** The notes under the targets table. */
const TARGET_NOTES = [
  '- Why the statements/s and raw-copy targets are out of reach on 2 cores with this schema, and where a load spends',
  '  its CPU: [bench/notes.md](bench/notes.md#where-a-load-spends-its-cpu-now-100000-lines-lenient).',
  '- From s3rver and with many small files, reading dominates: [bench/notes.md](bench/notes.md#many-small-files);',
  '  what real S3 changes: [bench/notes.md](bench/notes.md#what-real-s3-changes).',
];

/** The notes under the Lambda table. */
const LAMBDA_NOTES = [
  '- The handler runs as in AWS: the engine is another process reached over HTTP (`CLICKHOUSE_HOST`; a HTTP front',
  '  for chDB shared with the tests, `test/helpers/engine-http-front-server.ts`), so the handler process holds only',
  '  the coordination: S3 listing, ledger rows, one INSERT … SELECT per batch. No statement byte passes through it.',
];

/** How to reproduce the figures: the commands and the measurement ids `--only` takes. */
function reproduce(size: BenchSize): string[] {
  const sources = {
    localFile: '',
    oneFile: { bucket: '', key: '' },
    buckets: [],
    startDate: '',
    endDate: '',
  };
  const ids = measures(size, sources).map((m) => `\`${m.id}\``);
  return [
    '## How to reproduce',
    '',
    '```sh',
    'npm run bench                                 # every measurement, the scale and the Lambda parts; rewrites BENCHMARKS.md',
    'npm run bench -- --quick                      # 10× less data and one repetition: a check that everything runs',
    'npm run bench -- --only local-full,local-raw  # some measurements only (ids below; `scale` and `lambda` name those parts)',
    'npm run bench -- --settings max_threads=4     # ClickHouse session settings for every measurement',
    'npm run bench -- --reps 3 --statements 100000 # repetitions, and the size of the data',
    'npm run bench -- --no-lambda --out /tmp/b.md  # without the Lambda part; written elsewhere',
    'npm run bench:profile -- --files 2000         # one bulk load split by query (prints, writes nothing)',
    'npm run bench:refresh                         # rows read by each analytics refresh as a day grows (prints)',
    '```',
    '',
    ...wrap(
      `Measurement ids: ${ids.join(', ')}. The run needs no network: it generates its data, hosts s3rver and builds the ` +
        'Lambda package itself; on a shared machine, compare only figures of one run.',
    ),
    '',
  ];
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
