import type { ChartSpec } from './charts.js';
import type { ReportData } from './report-data.js';

/**
 * One self-contained HTML file: inline CSS and inline SVG charts, no script and no network, so it opens
 * anywhere (a laptop, an e-mail attachment, an S3 static page).
 */
export function reportHtml(
  data: ReportData,
  charts: { chart: ChartSpec; svg: string }[],
  meta: { title: string; generatedAt: Date; source: string },
): string {
  const t = data.totals;
  const cards: [string, number][] = [
    ['files loaded', t.files],
    ['statements', t.statements],
    ['video events (active)', t.video_events],
    ['learners', t.learners],
    ['voided statements', t.voided],
    ['rejected lines', t.rejected],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(meta.title)}</title>
<style>
  body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; padding: 0 16px; }
  h1 { font-size: 24px; margin-bottom: 4px; }
  .meta { color: #666; font-size: 13px; margin-top: 0; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
  .card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 130px; }
  .card b { display: block; font-size: 22px; }
  .card span { color: #666; font-size: 12px; }
  section.chart { margin: 28px 0; }
  section.chart h2, h2 { font-size: 18px; margin-bottom: 2px; }
  section.chart p { color: #555; font-size: 13px; margin-top: 0; }
  .figure svg { max-width: 100%; height: auto; }
  table { border-collapse: collapse; font-size: 13px; margin: 8px 0 24px; }
  th, td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; text-align: left; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>${esc(meta.title)}</h1>
<p class="meta">Generated ${esc(meta.generatedAt.toISOString())} from ${esc(meta.source)} by <code>xapi-etl report</code>.</p>
<div class="cards">${cards.map(([label, n]) => `<div class="card"><b>${n.toLocaleString('en-US')}</b><span>${esc(label)}</span></div>`).join('')}</div>
${charts
  .map(
    ({ chart, svg }) => `<section class="chart" id="${esc(chart.id)}" data-chart="${esc(chart.id)}">
<h2>${esc(chart.title)}</h2>
<p>${esc(chart.description)}</p>
<div class="figure">${svg}</div>
</section>`,
  )
  .join('\n')}
<h2>Completion by section</h2>
${table(
  ['section', 'viewers', 'completed', 'rate'],
  data.completionBySection.map((r) => [r.section_id, r.viewers, r.completers, pct(r.completion_rate)]),
)}
<h2>Where viewers drop off</h2>
<p class="meta">Sessions that ended before the end of the video, by how far they got (share of the video).</p>
${table(
  ['section', 'video', 'left at', 'sessions'],
  topDropOffs(data).map((r) => [r.section_id, r.video_name, `${r.percent}%`, r.sessions]),
)}
<h2>Seek hot spots</h2>
<p class="meta">The seconds viewers most often seek to.</p>
${table(
  ['section', 'video', 'seek to (s)', 'seeks'],
  data.seekHotspots.map((r) => [r.section_id, r.video_name, r.to_second, r.seeks]),
)}
</body>
</html>
`;
}

function topDropOffs(data: ReportData) {
  return [...data.dropOff].sort((a, b) => b.sessions - a.sessions).slice(0, 10);
}

function table(headers: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return '<p class="meta">(no data)</p>';
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="n">${c}</td>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
