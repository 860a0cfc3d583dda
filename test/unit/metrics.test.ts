import { describe, expect, it } from 'vitest';
import { powertoolsTelemetry } from '../../src/lambda/telemetry.js';
import { captureOutput } from '../helpers/capture-output.js';

const figures = (section: string | string[] | null) => ({
  processing_mode: 'event',
  section_id: section,
  success: true,
  events_processed: 3,
  video_events_processed: 1,
  events_rejected: 0,
  files_processed: 1,
  files_skipped: 0,
  duration_ms: 12,
});
const dimensions = (blob: Record<string, unknown> | undefined) =>
  (blob?._aws as { CloudWatchMetrics: { Dimensions: string[][]; Namespace: string }[] } | undefined)
    ?.CloudWatchMetrics[0];

describe('invocation metrics', () => {
  it('totals per mode, the section as metadata; a per-section set only when asked for', () => {
    const out = captureOutput();
    try {
      powertoolsTelemetry({ namespace: 'xapi-etl/prod' }).publishInvocation(figures('course-1'), 'r1');
      powertoolsTelemetry({ sectionDimension: true }).publishInvocation(figures('course-1'), 'r2');
      powertoolsTelemetry({ sectionDimension: true }).publishInvocation(
        figures(Array.from({ length: 12 }, (_, i) => `s${i}`)),
        'r3',
      );
      const [plain, withSection, list] = out.emf();
      expect(dimensions(plain)).toMatchObject({
        Namespace: 'xapi-etl/prod',
        Dimensions: [['service', 'processing_mode']],
      });
      expect(plain).toMatchObject({ section_id: 'course-1', processing_mode: 'event', events_processed: 3 });
      expect(dimensions(withSection)?.Dimensions).toEqual([
        ['service', 'processing_mode'],
        ['service', 'processing_mode', 'section_id'],
      ]);
      // A list of sections is never a dimension; its metadata names ten and counts the rest.
      expect(dimensions(list)?.Dimensions).toEqual([['service', 'processing_mode']]);
      expect(list?.section_id).toBe('s0,s1,s2,s3,s4,s5,s6,s7,s8,s9,… (12)');
    } finally {
      out.restore();
    }
  });
});
