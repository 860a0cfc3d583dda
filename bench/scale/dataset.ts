import fs from 'node:fs';
import path from 'node:path';
import { type GenerateOptions, generateBundles } from '../../src/tools/generate/bundles.js';

/**
 * The scale scenario's data, from the project generator: many sections of video sessions over months,
 * one section far larger than the rest, then three more rounds of activity in the other sections
 * (4× their size) while the measured section stays as it was. Written as local JSONL files (ClickHouse
 * reads them with file()), a file per section and ~20,000 statements, so the load is few large batches.
 */
export interface ScaleSize {
  /** Sections besides the big one; the first of them is the one whose queries are timed. */
  sections: number;
  videos: number;
  learners: number;
  /** Learners of the big section (section 101). */
  bigLearners: number;
  days: number;
  /** Rounds of new activity in every section but the measured and the big one. */
  growthRounds: number;
  eventReps: number;
  queryReps: number;
  referenceQueryReps: number;
}

export const FULL_SCALE: ScaleSize = {
  sections: 49,
  videos: 8,
  learners: 112,
  bigLearners: 640,
  days: 60,
  growthRounds: 3,
  eventReps: 7,
  queryReps: 7,
  referenceQueryReps: 3,
};

export const QUICK_SCALE: ScaleSize = {
  sections: 9,
  videos: 6,
  learners: 20,
  bigLearners: 120,
  days: 20,
  growthRounds: 3,
  eventReps: 3,
  queryReps: 3,
  referenceQueryReps: 1,
};

export const BIG_SECTION = '101';
export const MEASURED_SECTION = '102';
const STATEMENTS_PER_FILE = 20_000;

export interface WrittenSet {
  dir: string;
  statements: number;
  bytes: number;
  files: number;
}

/** Base data: the big section and `sections` ordinary ones, from 2024-01-01. */
export function writeBase(dir: string, size: ScaleSize): WrittenSet {
  const big = write(dir, {
    seed: 'scale',
    sections: 1,
    firstSection: 0,
    videosPerSection: size.videos,
    learnersPerSection: size.bigLearners,
    days: size.days,
    startDate: '2024-01-01',
  });
  const rest = write(dir, {
    seed: 'scale',
    sections: size.sections,
    firstSection: 1,
    videosPerSection: size.videos,
    learnersPerSection: size.learners,
    days: size.days,
    startDate: '2024-01-01',
  });
  return sum(dir, [big, rest]);
}

/** More activity in every ordinary section but the measured one: `rounds` times their base size. */
export function writeGrowth(dir: string, size: ScaleSize): WrittenSet {
  const parts: WrittenSet[] = [];
  for (let round = 1; round <= size.growthRounds; round++) {
    parts.push(
      write(dir, {
        seed: `scale-growth-${round}`,
        sections: size.sections - 1,
        firstSection: 2,
        videosPerSection: size.videos,
        learnersPerSection: size.learners,
        days: size.days,
        startDate: isoDay(Date.UTC(2024, 0, 1) + round * size.days * 86_400_000),
      }),
    );
  }
  return sum(dir, parts);
}

function write(dir: string, options: GenerateOptions): WrittenSet {
  let statements = 0;
  let bytes = 0;
  let files = 0;
  let current: { section: string; file: string; fd: number; lines: number } | undefined;
  const close = () => {
    if (current) fs.closeSync(current.fd);
    current = undefined;
  };
  for (const bundle of generateBundles({ bundleStatements: 250, ...options })) {
    if (!current || current.section !== bundle.sectionId || current.lines >= STATEMENTS_PER_FILE) {
      close();
      // The bundle's own key names the file: section/{id}/video/{time}_bundle.jsonl, a new time per file.
      const file = path.join(dir, `${options.seed}`, bundle.key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      current = { section: bundle.sectionId, file, fd: fs.openSync(file, 'w'), lines: 0 };
      files += 1;
    }
    const text = `${bundle.lines.map((l) => l.text).join('\n')}\n`;
    fs.writeSync(current.fd, text);
    current.lines += bundle.lines.length;
    statements += bundle.lines.length;
    bytes += Buffer.byteLength(text);
  }
  close();
  return { dir, statements, bytes, files };
}

function sum(dir: string, parts: WrittenSet[]): WrittenSet {
  return parts.reduce(
    (t, p) => ({
      dir,
      statements: t.statements + p.statements,
      bytes: t.bytes + p.bytes,
      files: t.files + p.files,
    }),
    { dir, statements: 0, bytes: 0, files: 0 },
  );
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
