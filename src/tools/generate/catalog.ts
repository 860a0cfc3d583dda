import type { SeededRandom } from './random.js';

/** The courses the generator invents: sections, each with its videos and enrolled learners. */
export interface Video {
  id: string;
  title: string;
  /** Seconds. */
  length: number;
  /** Share of the video a learner must play for it to count as completed (profile extension). */
  completionThreshold: number;
  /** Where learners who skip the intro tend to seek to: a realistic seek hot spot. */
  introEnd: number;
}

export interface Learner {
  accountName: string;
  name: string;
  registration: string;
  /** How this learner tends to watch. */
  persona: 'completer' | 'dropper' | 'skimmer';
}

export interface Section {
  id: string;
  url: string;
  videos: Video[];
  learners: Learner[];
}

export const LMS_HOME = 'https://lms.example.org';
const TOPICS = [
  'Welcome',
  'Setting up',
  'Core ideas',
  'A worked example',
  'Common mistakes',
  'Going further',
  'Case study',
  'Review',
];
const LENGTHS = [45, 90, 150, 240, 420, 600];
const THRESHOLDS = [0.8, 0.9, 0.95, 1];

export function buildSection(
  rng: SeededRandom,
  index: number,
  videoCount: number,
  learnerCount: number,
): Section {
  const id = String(101 + index);
  const url = `${LMS_HOME}/section/${id}`;
  const videos: Video[] = Array.from({ length: videoCount }, (_, v) => {
    const length = rng.pick(LENGTHS) + rng.int(0, 29);
    return {
      id: `${url}/video/${v + 1}`,
      title: TOPICS[(index + v) % TOPICS.length] as string,
      length,
      completionThreshold: rng.pick(THRESHOLDS),
      introEnd: Math.min(length - 5, rng.int(8, 20)),
    };
  });
  const learners: Learner[] = Array.from({ length: learnerCount }, (_, l) => {
    const r = rng.next();
    return {
      accountName: `s${id}-learner-${String(l + 1).padStart(3, '0')}`,
      name: `Learner ${l + 1}`,
      registration: rng.uuid(),
      persona: r < 0.45 ? 'completer' : r < 0.8 ? 'dropper' : 'skimmer',
    };
  });
  return { id, url, videos, learners };
}
