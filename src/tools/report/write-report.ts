import fs from 'node:fs/promises';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { reportCharts } from './charts.js';
import { renderSvg } from './render-svg.js';
import { loadReportData, type ReportData } from './report-data.js';
import { reportHtml } from './report-html.js';

export interface ReportResult {
  file: string;
  bytes: number;
  charts: string[];
  data: ReportData;
}

/** `xapi-etl report`: read the analytics views, draw the charts to SVG, write one HTML file. */
export async function writeReport(
  client: ClickHouseClient,
  file: string,
  meta: { source: string; title?: string } = { source: 'ClickHouse' },
): Promise<ReportResult> {
  const data = await loadReportData(client);
  const charts = [];
  for (const chart of reportCharts(data)) charts.push({ chart, svg: await renderSvg(chart.spec) });
  const html = reportHtml(data, charts, {
    title: meta.title ?? 'xAPI video analytics',
    generatedAt: new Date(),
    source: meta.source,
  });
  const target = path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.writeFile(target, html);
  return { file: target, bytes: Buffer.byteLength(html), charts: charts.map((c) => c.chart.id), data };
}
