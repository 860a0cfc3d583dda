import type { ScenarioName, Source } from './types.js';

/** Sizes of one benchmark run: `--quick` scales everything down to finish in under a minute. */
export interface BenchSize {
  statements: number;
  /** File counts for the many-small-files comparison (the first is the one-file baseline). */
  fileCounts: [number, number, number];
  reps: number;
  /** Repetitions of the slowest measurements (naive, the largest file count), to fit the time budget. */
  slowReps: number;
  coldStarts: number;
  /** Which file count the Lambda memory measurement coordinates, against the one-file load. */
  lambdaFilesIndex: 1 | 2;
}

export const FULL: BenchSize = {
  statements: 200_000,
  fileCounts: [1, 2_000, 20_000],
  reps: 2,
  slowReps: 1,
  coldStarts: 5,
  lambdaFilesIndex: 1,
};
export const QUICK: BenchSize = {
  statements: 10_000,
  fileCounts: [1, 20, 200],
  reps: 1,
  slowReps: 1,
  coldStarts: 2,
  lambdaFilesIndex: 2,
};

export interface Measure {
  id: string;
  group: 'local' | 's3' | 'files';
  label: string;
  scenario: ScenarioName;
  source: Source;
  /** Runs only `slowReps` times. */
  slow?: boolean;
}

export interface Sources {
  localFile: string;
  oneFile: { bucket: string; key: string };
  /** Bucket per file count. */
  buckets: string[];
  startDate: string;
  endDate: string;
}

export function measures(size: BenchSize, s: Sources): Measure[] {
  const local: Source = { kind: 'file', path: s.localFile };
  const one: Source = { kind: 's3', ...s.oneFile };
  const list: Measure[] = [
    {
      id: 'local-full',
      group: 'local',
      label: 'full schema (`process`, file())',
      scenario: 'full',
      source: local,
    },
    {
      id: 'local-strict',
      group: 'local',
      label: 'full schema, strict validation (`XAPI_VALIDATION=strict`)',
      scenario: 'strict',
      source: local,
    },
    {
      id: 'local-naive',
      group: 'local',
      label: 'naive: Node reads, JSON.parse, client insert',
      scenario: 'naive',
      source: local,
      slow: true,
    },
    {
      id: 'local-raw',
      group: 'local',
      label: 'raw copy: line → one String column',
      scenario: 'raw',
      source: local,
    },
    {
      id: 'local-percol',
      group: 'local',
      label: 'one JSON call per column',
      scenario: 'per-column',
      source: local,
    },
    { id: 's3-full', group: 's3', label: 'full schema (`process`, s3())', scenario: 'full', source: one },
    {
      id: 's3-naive',
      group: 's3',
      label: 'naive: SDK GetObject, JSON.parse, client insert',
      scenario: 'naive',
      source: one,
      slow: true,
    },
    { id: 's3-raw', group: 's3', label: 'raw copy: line → one String column', scenario: 'raw', source: one },
    { id: 's3-percol', group: 's3', label: 'one JSON call per column', scenario: 'per-column', source: one },
  ];
  size.fileCounts.forEach((files, i) => {
    list.push({
      id: `files-${files}`,
      group: 'files',
      label: `bulk mode, ${files.toLocaleString('en-US')} file${files > 1 ? 's' : ''}`,
      scenario: 'full',
      source: { kind: 's3-bulk', bucket: s.buckets[i] as string, startDate: s.startDate, endDate: s.endDate },
      slow: i === 2,
    });
  });
  // The floor for the largest file count: the same objects copied raw, read as fast as s3rver serves them.
  const most = size.fileCounts.length - 1;
  list.push({
    id: `files-raw`,
    group: 'files',
    label: `raw copy of the ${(size.fileCounts[most] as number).toLocaleString('en-US')} files (s3() glob)`,
    scenario: 'raw',
    source: {
      kind: 's3-bulk',
      bucket: s.buckets[most] as string,
      startDate: s.startDate,
      endDate: s.endDate,
    },
  });
  return list;
}
