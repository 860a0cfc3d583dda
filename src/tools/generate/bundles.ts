import { BROKEN_LINES } from './broken-lines.js';
import { buildSection, type Section } from './catalog.js';
import { SeededRandom } from './random.js';
import { simulateSession } from './simulate-session.js';
import { type SessionContext, VERB_IDS, videoStatement, voidingStatement } from './statement.js';

/**
 * Seeded, reproducible xAPI Video Profile data: sections with videos of different lengths, learners who
 * watch over several days, grouped into JSONL bundles under the platform key layout
 * `section/{id}/video/{ISO timestamp, ':' as '-'}_bundle.jsonl`. The same options always give the same
 * bytes. Bundles are produced lazily, so large volumes stream (the benchmark uses this).
 */
export interface GenerateOptions {
  seed?: number | string;
  sections?: number;
  /** Index of the first section (ids are 101 + index): lets separate runs write disjoint sections. */
  firstSection?: number;
  videosPerSection?: number;
  learnersPerSection?: number;
  days?: number;
  /** First day, YYYY-MM-DD (UTC). */
  startDate?: string;
  /** Chance that a learner watches a video on a given day. */
  dailyWatchChance?: number;
  /** At most this many statements per bundle file. */
  bundleStatements?: number;
  /** Voiding statements per section, at most one a day from mid-way (each voids a `completed` statement). */
  voidedPerSection?: number;
  /** Broken lines per section, spread over its first bundles. */
  brokenPerSection?: number;
}

export const DEFAULT_GENERATE_OPTIONS: Required<GenerateOptions> = {
  seed: 42,
  sections: 4,
  firstSection: 0,
  videosPerSection: 3,
  learnersPerSection: 12,
  days: 5,
  startDate: '2024-03-04',
  dailyWatchChance: 0.5,
  bundleStatements: 250,
  voidedPerSection: 1,
  brokenPerSection: 2,
};

export interface GeneratedLine {
  text: string;
  kind: 'statement' | 'voiding' | 'broken';
  /** For broken lines: the rejection reason the pipeline should give. */
  reason?: string;
  /** Statements only. */
  statementId?: string;
  verbId?: string;
  timestamp?: number;
}

export interface Bundle {
  key: string;
  sectionId: string;
  lines: GeneratedLine[];
}

export function bundleBody(bundle: Bundle): string {
  return `${bundle.lines.map((l) => l.text).join('\n')}\n`;
}

export function* generateBundles(options: GenerateOptions = {}): Generator<Bundle> {
  const o = { ...DEFAULT_GENERATE_OPTIONS, ...options };
  const root = new SeededRandom(o.seed);
  const start = Date.parse(`${o.startDate}T00:00:00.000Z`);
  if (Number.isNaN(start)) throw new Error(`startDate must be YYYY-MM-DD, got "${o.startDate}"`);
  let brokenCursor = 0;
  for (let s = o.firstSection; s < o.firstSection + o.sections; s++) {
    const rng = root.fork(`section-${s}`);
    const section = buildSection(rng.fork('catalog'), s, o.videosPerSection, o.learnersPerSection);
    // Voiding starts mid-way through the days, one per day, on days that have a completion to retract.
    const firstVoidDay = Math.floor(o.days / 2);
    let voidsLeft = o.voidedPerSection;
    let brokenLeft = o.brokenPerSection;
    let lastKeyTime = 0;
    for (let d = 0; d < o.days; d++) {
      const dayRng = rng.fork(`day-${d}`);
      const lines = daySessions(dayRng, section, start + d * 86_400_000, o.dailyWatchChance);
      // Retract one completion that day, as a platform correcting a mistaken record would.
      if (d >= firstVoidDay && voidsLeft > 0) {
        const target = lines.find((l) => l.verbId === VERB_IDS.completed);
        if (target?.statementId && target.timestamp) {
          const at = target.timestamp + 60_000;
          const id = dayRng.uuid();
          lines.push({
            text: JSON.stringify(voidingStatement(id, target.statementId, at)),
            kind: 'voiding',
            statementId: id,
            verbId: VERB_IDS.voided,
            timestamp: at,
          });
          voidsLeft--;
        }
      }
      lines.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
      for (let i = 0; i < lines.length; i += o.bundleStatements) {
        const chunk = lines.slice(i, i + o.bundleStatements);
        if (brokenLeft > 0) {
          const broken = BROKEN_LINES[brokenCursor++ % BROKEN_LINES.length];
          if (broken) {
            const at = new Date(chunk.at(-1)?.timestamp ?? start).toISOString();
            const position = dayRng.int(0, chunk.length);
            chunk.splice(position, 0, {
              text: broken.line(dayRng.uuid(), at),
              kind: 'broken',
              reason: broken.reason,
            });
            brokenLeft--;
          }
        }
        // The platform names a bundle after when it wrote it: just after its last statement.
        const written = Math.max(
          lastKeyTime + 1,
          Math.max(start, ...chunk.map((l) => l.timestamp ?? 0)) + 1000,
        );
        lastKeyTime = written;
        yield { key: bundleKey(section.id, written), sectionId: section.id, lines: chunk };
      }
    }
  }
}

/** Every line of every bundle, in order: for consumers that want statements rather than files. */
export function* generateLines(
  options: GenerateOptions = {},
): Generator<GeneratedLine & { sectionId: string }> {
  for (const bundle of generateBundles(options)) {
    for (const line of bundle.lines) yield { ...line, sectionId: bundle.sectionId };
  }
}

export function bundleKey(sectionId: string, at: number): string {
  return `section/${sectionId}/video/${new Date(at).toISOString().replace(/:/g, '-')}_bundle.jsonl`;
}

function daySessions(rng: SeededRandom, section: Section, dayStart: number, chance: number): GeneratedLine[] {
  const lines: GeneratedLine[] = [];
  for (const learner of section.learners) {
    for (const video of section.videos) {
      if (!rng.chance(chance / section.videos.length)) continue;
      // Learners watch between 08:00 and 21:00 UTC.
      const startMs = dayStart + rng.int(8 * 3600, 21 * 3600) * 1000 + rng.int(0, 999);
      const ctx: SessionContext = {
        section,
        video,
        learner,
        sessionId: rng.uuid(),
        userAgent: rng.pick(USER_AGENTS),
      };
      for (const event of simulateSession(rng, video, learner, startMs)) {
        const id = rng.uuid();
        lines.push({
          text: JSON.stringify(videoStatement(id, ctx, event)),
          kind: 'statement',
          statementId: id,
          verbId: VERB_IDS[event.verb],
          timestamp: event.at,
        });
      }
    }
  }
  return lines;
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
