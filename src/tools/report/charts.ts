import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from './report-data.js';

/** The report's charts as Vega-Lite specs: data in, declarative chart out. */
export interface ChartSpec {
  id: string;
  title: string;
  description: string;
  spec: TopLevelSpec;
}

const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
};

/** A share (0 to 1) on a percent axis. */
const shareOfOne = (field: string, title: string) => ({
  field,
  type: 'quantitative' as const,
  title,
  axis: { format: '%' },
  scale: { domain: [0, 1] },
});

export function reportCharts(data: ReportData): ChartSpec[] {
  return [
    {
      id: 'retention',
      title: 'Audience retention per video',
      description:
        'Share of the viewers of each video who played each second (union of their played segments).',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        config: CONFIG,
        data: { values: data.retention },
        facet: { field: 'section_id', type: 'nominal', title: 'section' },
        columns: 2,
        spec: {
          width: 380,
          height: 180,
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
          encoding: {
            x: { field: 'second', type: 'quantitative', title: 'second of the video' },
            y: shareOfOne('share', 'viewers still watching'),
            color: { field: 'video_name', type: 'nominal', title: 'video' },
          },
        },
        resolve: { scale: { x: 'independent' } },
      },
    },
    {
      id: 'completion',
      title: 'Video completion by section',
      description:
        'Viewers whose played segments reach the video’s completion threshold (non-voided data), per section and per video.',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        config: CONFIG,
        data: { values: data.completionByVideo },
        transform: [{ calculate: "'section ' + datum.section_id + ' · ' + datum.video_name", as: 'video' }],
        width: 520,
        height: { step: 18 },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'video', type: 'nominal', title: null, sort: null },
          x: shareOfOne('completion_rate', 'completion rate'),
          color: { field: 'section_id', type: 'nominal', title: 'section' },
        },
      },
    },
    {
      id: 'activity',
      title: 'Active learners per day',
      description: 'Distinct learners with at least one (non-voided) statement, per day and section.',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        config: CONFIG,
        data: { values: data.activity },
        width: 520,
        height: 200,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'day', type: 'temporal', title: 'day', timeUnit: 'utcyearmonthdate' },
          y: { field: 'active_learners', type: 'quantitative', title: 'active learners' },
          color: { field: 'section_id', type: 'nominal', title: 'section' },
        },
      },
    },
    {
      id: 'verbs',
      title: 'Verbs over time',
      description: 'Statements per day and verb.',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        config: CONFIG,
        data: { values: data.verbs },
        width: 520,
        height: 200,
        mark: 'bar',
        encoding: {
          x: { field: 'day', type: 'ordinal', title: 'day' },
          y: { field: 'statements', type: 'quantitative', title: 'statements', stack: 'zero' },
          color: { field: 'verb', type: 'nominal', title: 'verb' },
        },
      },
    },
    {
      id: 'rejected',
      title: 'Rejected lines by reason',
      description: 'Lines that could not be loaded, by reason (rejected_statements).',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        config: CONFIG,
        data: { values: data.rejected.length > 0 ? data.rejected : [{ reason: '(none)', lines: 0 }] },
        width: 520,
        height: { step: 22 },
        layer: [
          {
            mark: { type: 'bar', color: '#c0504d' },
            encoding: {
              y: { field: 'reason', type: 'nominal', title: null, sort: null },
              x: { field: 'lines', type: 'quantitative', title: 'lines', axis: { tickMinStep: 1 } },
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4 },
            encoding: {
              y: { field: 'reason', type: 'nominal', sort: null },
              x: { field: 'lines', type: 'quantitative' },
              text: { field: 'lines', type: 'quantitative' },
            },
          },
        ],
      },
    },
  ];
}
