import fs from 'node:fs';
import path from 'node:path';
import type { LambdaResults } from './lambda/measure-lambda.js';
import type { MachineInfo } from './machine.js';
import type { BenchSize, Measure } from './plan.js';
import type { ScaleResult, ScaleSpec } from './scale/child.js';
import { renderScale } from './scale/report.js';
import { ROOT } from './spawn.js';
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

/** BENCHMARKS.md: what ran, the medians, the ratios against the targets, then the notes (bench/notes.md). */
export function renderReport(r: ReportInput): string {
  const ms = (id: string) => median((r.results.get(id) ?? []).map((x) => x.ms));
  const peak = (id: string) => median((r.results.get(id) ?? []).map((x) => x.peakRssBytes));
  const base = (id: string) => median((r.results.get(id) ?? []).map((x) => x.baseRssBytes));
  const perSecond = (id: string) => r.data.statements / (ms(id) / 1000);
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    `Written by \`npm run bench${r.quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC ` +
      `in ${Math.round(r.durationS)} s; every run rewrites this file. ${r.quick ? '**Quick run: 10× less data and one repetition — the ratios are only indicative.** ' : ''}` +
      `Each figure is the **median of the runs** shown (${r.size.reps} for most, ${r.size.slowReps} for the slowest; repetitions interleaved); ` +
      'every measurement runs in a fresh process with its own embedded-engine data directory, and ratios compare ' +
      'measurements of the same run.',
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
  out.push('| machine | |', '| --- | --- |');
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
    `**Data:** ${fmt(r.data.statements)} lines, ${(r.data.bytes / MB).toFixed(1)} MB (${avg.toFixed(0)} bytes a line) from the ` +
      'project generator (`src/generate/`, seed 42): xAPI Video Profile sessions (played, paused, seeked, completed…), with ' +
      'voiding statements and broken lines that must be rejected. Uploading to s3rver (not timed): ' +
      `${Object.entries(r.uploadsMs)
        .map(
          ([files, t]) =>
            `${fmt(Number(files))} file${files === '1' ? '' : 's'} in ${(t / 1000).toFixed(1)} s`,
        )
        .join(', ')}.`,
    '',
  );

  out.push('## Results', '');
  out.push(
    '| measurement | runs | median time | statements/s | MB/s | peak RSS of the engine process (before) | time vs full schema |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
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
  out.push(
    '',
    '"Peak RSS" is the whole process (Node + chDB in-process) during the timed section (VmHWM reset just before it); ' +
      '"before" is its RSS once the engine is open and migrated. chDB has no `system.query_log`, so per-query ' +
      '`memory_usage` is not available. For the many-files rows, "time vs" compares with the one-file bulk run.',
    '',
  );

  const [f1, , fMany] = r.size.fileCounts;
  const t = (name: string, target: string, value: number, text: string, ok: boolean) =>
    `| ${name} | ${target} | ${Number.isFinite(value) ? text : 'not measured'} | ${Number.isFinite(value) ? (ok ? 'met' : '**missed**') : ''} |`;
  out.push('## Targets', '', '| target | wanted | measured (this run) | |', '| --- | --- | --- | --- |');
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

  if (r.scale) out.push(...renderScale(r.scale));

  if (l) {
    out.push('## Lambda side (the built package)', '');
    out.push('| | |', '| --- | --- |');
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
    out.push(
      '',
      'The handler runs as in AWS: the engine is another process reached over HTTP (`CLICKHOUSE_HOST`; a ' +
        'HTTP front for chDB shared with the tests, `test/helpers/engine-http-front-server.ts`), so the handler process holds only the ' +
        'coordination: S3 listing, ledger rows, one INSERT … SELECT per batch. No statement byte passes through it.',
      '',
    );
  }
  const notes = path.join(ROOT, 'bench', 'notes.md');
  if (fs.existsSync(notes)) out.push(fs.readFileSync(notes, 'utf8').trim(), '');
  return `${out.join('\n')}\n`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
