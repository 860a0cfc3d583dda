import { describe, expect, it } from 'vitest';
import { parseKey } from '../../src/plan/key-layout.js';
import { BROKEN_LINES } from '../../src/tools/generate/broken-lines.js';
import { bundleBody, generateBundles, generateLines } from '../../src/tools/generate/bundles.js';
import {
  formatSegments,
  mergeSegments,
  parseSegments,
  progressOf,
} from '../../src/tools/generate/played-segments.js';

const P = 'https://w3id.org/xapi/video';
const small = { sections: 2, days: 2, learnersPerSection: 6 };

describe('played segments (profile format)', () => {
  it('formats, parses, merges and measures progress', () => {
    const text = formatSegments([
      [0, 12.5],
      [20, 30],
      [10, 15],
    ]);
    expect(text).toBe('0[.]12.5[,]20[.]30[,]10[.]15');
    expect(parseSegments(text)).toEqual([
      [0, 12.5],
      [20, 30],
      [10, 15],
    ]);
    expect(mergeSegments(parseSegments(text))).toEqual([
      [0, 15],
      [20, 30],
    ]);
    expect(progressOf(parseSegments(text), 50)).toBe(0.5);
  });
});

describe('generate', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const a = [...generateBundles(small)].map(bundleBody).join('');
    const b = [...generateBundles(small)].map(bundleBody).join('');
    const c = [...generateBundles({ ...small, seed: 7 })].map(bundleBody).join('');
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('writes bundles under the key layout, one section per folder', () => {
    const keys = new Set<string>();
    for (const bundle of generateBundles(small)) {
      const parts = parseKey(bundle.key);
      expect(parts).toMatchObject({ sectionId: bundle.sectionId, eventType: 'video' });
      expect(parts?.fileTime).toBeInstanceOf(Date);
      expect(bundle.key).toMatch(
        /^section\/\d+\/video\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z_bundle\.jsonl$/,
      );
      keys.add(bundle.key);
    }
    expect(keys.size).toBe([...generateBundles(small)].length);
  });

  it('produces consistent xAPI Video Profile sessions', () => {
    const sessions = new Map<string, Record<string, unknown>[]>();
    const verbs = new Set<string>();
    let bytes = 0;
    let statements = 0;
    for (const line of generateLines(small)) {
      if (line.kind !== 'statement') continue;
      const s = JSON.parse(line.text);
      bytes += line.text.length;
      statements++;
      verbs.add(s.verb.display['en-US']);
      const session = s.context.extensions[`${P}/extensions/session-id`];
      sessions.set(session, [...(sessions.get(session) ?? []), s]);
    }
    expect([...verbs].sort()).toEqual(
      ['completed', 'initialized', 'interacted', 'paused', 'played', 'seeked', 'terminated'].sort(),
    );
    expect(bytes / statements).toBeGreaterThan(600);
    expect(bytes / statements).toBeLessThan(1300);
    for (const events of sessions.values()) {
      expect(events[0]?.verb).toMatchObject({ id: 'http://adlnet.gov/expapi/verbs/initialized' });
      const times = events.map((e) => Date.parse(e.timestamp as string));
      expect(times).toEqual([...times].sort((x, y) => x - y));
      const length = (events[0] as { context: { extensions: Record<string, number> } }).context.extensions[
        `${P}/extensions/length`
      ] as number;
      let previous = 0;
      for (const e of events as {
        verb: { id: string };
        result?: { extensions: Record<string, unknown> };
      }[]) {
        const ext = e.result?.extensions ?? {};
        const segments = ext[`${P}/extensions/played-segments`];
        if (typeof segments === 'string') {
          // progress is what the segments cover, and never goes back within a session
          const progress = progressOf(parseSegments(segments), length);
          expect(ext[`${P}/extensions/progress`]).toBe(progress);
          expect(progress).toBeGreaterThanOrEqual(previous);
          previous = progress;
          for (const [a, b] of parseSegments(segments)) {
            expect(a).toBeLessThanOrEqual(b);
            expect(b).toBeLessThanOrEqual(length);
          }
        }
        if (e.verb.id === `${P}/verbs/seeked`) {
          expect(typeof ext[`${P}/extensions/time-from`]).toBe('number');
          expect(typeof ext[`${P}/extensions/time-to`]).toBe('number');
        }
      }
    }
  });

  it('adds voiding statements that point at earlier statements, and broken lines', () => {
    const lines = [...generateLines({ ...small, days: 4, voidedPerSection: 1, brokenPerSection: 2 })];
    const ids = new Set(lines.filter((l) => l.kind === 'statement').map((l) => l.statementId));
    const voiding = lines.filter((l) => l.kind === 'voiding').map((l) => JSON.parse(l.text));
    expect(voiding).toHaveLength(2);
    for (const v of voiding) {
      expect(v.object.objectType).toBe('StatementRef');
      expect(ids.has(v.object.id)).toBe(true);
    }
    const broken = lines.filter((l) => l.kind === 'broken');
    expect(broken).toHaveLength(4);
    expect(broken.map((b) => b.reason)).toEqual(BROKEN_LINES.slice(0, 4).map((b) => b.reason));
  });
});
