/**
 * xAPI Video Profile played segments: the parts of a video one session played, written as
 * `start[.]end` pairs joined by `[,]`, e.g. `0[.]12.5[,]20[.]30` (seconds, in the order played).
 * Progress is the share of the video covered by their union.
 */
export type Segment = readonly [start: number, end: number];

export function formatSegments(segments: readonly Segment[]): string {
  return segments.map(([start, end]) => `${round3(start)}[.]${round3(end)}`).join('[,]');
}

export function parseSegments(text: string): Segment[] {
  if (text.trim() === '') return [];
  return text.split('[,]').map((pair) => {
    const [start, end] = pair.split('[.]').map(Number);
    return [start ?? 0, end ?? 0] as const;
  });
}

/** The union of segments as sorted, non-overlapping intervals. */
export function mergeSegments(segments: readonly Segment[]): Segment[] {
  const sorted = segments
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = out.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** The profile's progress: covered length / video length, in [0, 1], 3 decimals. */
export function progressOf(segments: readonly Segment[], length: number): number {
  if (length <= 0) return 0;
  const covered = mergeSegments(segments).reduce((sum, [a, b]) => sum + (b - a), 0);
  return round3(Math.min(1, covered / length));
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
