import type { Learner, Video } from './catalog.js';
import { progressOf, round3, type Segment } from './played-segments.js';
import type { SeededRandom } from './random.js';

/**
 * One viewing session of one video, simulated on a playhead: the learner plays, pauses, seeks, changes
 * speed, drops off or finishes. Every event carries the playhead `time` at that moment, and the
 * played segments and progress so far, so the statements are consistent with each other.
 */
export type VideoVerb =
  | 'initialized'
  | 'played'
  | 'paused'
  | 'seeked'
  | 'interacted'
  | 'completed'
  | 'terminated';

export interface SessionEvent {
  verb: VideoVerb;
  /** Wall-clock time, ms since the epoch. */
  at: number;
  /** Playhead, seconds. */
  time: number;
  /** Seeked only. */
  timeFrom?: number;
  timeTo?: number;
  /** Played segments so far (closed ones, plus the open one while playing). */
  segments: Segment[];
  progress: number;
  /** Playback rate after this event. */
  speed: number;
  /** Wall-clock ms since `initialized`, for result.duration on completed/terminated. */
  elapsed: number;
}

const SPEEDS = [0.75, 1.25, 1.5, 2];

export function simulateSession(
  rng: SeededRandom,
  video: Video,
  learner: Learner,
  startMs: number,
): SessionEvent[] {
  const length = video.length;
  const events: SessionEvent[] = [];
  const closed: Segment[] = [];
  let wall = startMs;
  let pos = 0;
  let speed = 1;
  let playing = false;
  let segStart = 0;
  let completed = false;

  const current = (): Segment[] => (playing && pos > segStart ? [...closed, [segStart, pos]] : [...closed]);
  const emit = (verb: VideoVerb, extra: Partial<SessionEvent> = {}) => {
    const segments = current().map(([a, b]) => [round3(a), round3(b)] as const);
    events.push({
      verb,
      at: Math.round(wall),
      time: round3(pos),
      segments,
      progress: progressOf(segments, length),
      speed,
      elapsed: Math.round(wall - startMs),
      ...extra,
    });
  };
  const closeSegment = () => {
    if (playing && pos > segStart) closed.push([segStart, pos]);
    playing = false;
  };
  const maybeComplete = () => {
    if (!completed && progressOf(current(), length) >= video.completionThreshold) {
      completed = true;
      emit('completed');
    }
  };

  // Where this learner will stop: completers and skimmers reach the end, droppers leave early
  // (more of them near the start, as real retention curves show).
  const stopAt =
    learner.persona === 'dropper' && rng.chance(0.85) ? Math.max(3, length * rng.next() ** 1.6) : length;
  const skipsIntro = rng.chance(learner.persona === 'skimmer' ? 0.8 : 0.25);

  emit('initialized');
  wall += rng.int(500, 4000);
  let steps = 0;
  while (pos < stopAt && steps++ < 60) {
    if (!playing) {
      emit('played');
      playing = true;
      segStart = pos;
    }
    const skipNow = skipsIntro && pos < video.introEnd && steps <= 2;
    const chunk = skipNow
      ? rng.between(2, Math.max(2.5, video.introEnd * 0.6))
      : rng.between(8, Math.max(10, length * 0.35));
    const played = Math.min(chunk, stopAt - pos);
    pos += played;
    wall += (played / speed) * 1000;
    if (pos >= stopAt - 1e-9) break;
    maybeComplete();

    const r = rng.next();
    if (skipNow) {
      seek(Math.max(pos, video.introEnd + rng.between(-1, 1)));
    } else if (r < 0.4) {
      closeSegment();
      emit('paused');
      wall += rng.int(2000, 90_000);
    } else if (r < 0.7) {
      const forward = learner.persona === 'skimmer' ? rng.chance(0.8) : rng.chance(0.3);
      const to = forward
        ? Math.min(length - 1, pos + rng.between(5, length * 0.25))
        : Math.max(0, pos - rng.between(5, 30));
      seek(to);
    } else {
      speed = rng.pick(SPEEDS.filter((s) => s !== speed));
      emit('interacted');
    }
  }
  maybeComplete();
  closeSegment();
  if (pos >= length - 1e-9 || rng.chance(0.9)) {
    // At the end of the video the player pauses itself; otherwise the learner closes it mid-way.
    if (pos >= length - 1e-9) emit('paused');
    wall += rng.int(1000, 20_000);
    emit('terminated');
  }
  return events;

  function seek(to: number) {
    const from = pos;
    closeSegment();
    pos = to;
    emit('seeked', { time: round3(to), timeFrom: round3(from), timeTo: round3(to) });
    wall += rng.int(300, 3000);
  }
}
