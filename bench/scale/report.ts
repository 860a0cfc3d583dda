import { wrap } from '../markdown.js';
import { MB, median } from '../stats.js';
import type { ScaleResult, ScaleSpec } from './child.js';
import { BIG_SECTION, MEASURED_SECTION } from './dataset.js';
import type { QueryTiming } from './queries.js';

/** The "Scale" section of BENCHMARKS.md: the maintained views against the query-time reference. */
export function renderScale({ result: r, spec }: { result: ScaleResult; spec: ScaleSpec }): string[] {
  const out: string[] = [];
  const base = r.sizes[0];
  const grown = r.sizes.at(-1);
  out.push('## Scale: analytics at millions of statements', '');
  out.push(
    ...wrap(
      `One fresh process loads ${fmt(r.base.statements)} generated statements (${(r.base.bytes / MB).toFixed(0)} MB, ` +
        `${fmt(r.base.files)} files) over ${base?.sections ?? '?'} sections through \`process\` (file()), the analytics ` +
        `refreshed as part of every load; section ${BIG_SECTION} holds ${fmt(base?.big ?? 0)} statements, section ` +
        `${MEASURED_SECTION} (the one timed) ${fmt(base?.measured ?? 0)}. Each query is timed in that warm process: ` +
        `median of ${spec.size.queryReps} runs after one untimed run (the reference: ${spec.size.referenceQueryReps}), ` +
        "rows received and parsed by the client included; in brackets, the same query `FORMAT Null` (ClickHouse's own " +
        'work, without moving the rows). "Reference" is the first version\'s query-time SQL ' +
        '(`test/reference/query-time-analytics.sql`) on the same rows; "maintained" is what users query now ' +
        '([docs/analytics.md](docs/analytics.md)).',
    ),
    '',
  );
  const v = r.crossVoids;
  if (v) {
    out.push(
      ...wrap(
        `**Voiding across sections:** then one file of section \`ops\` voids ${fmt(v.voids)} statements of ${v.sections} ` +
          `sections (loaded in ${(v.loadMs / 1000).toFixed(1)} s, analytics included). \`statements_active\` holds ` +
          `${fmt(v.active)} of ${fmt(v.statements)} statements; the reference (voiding by id at query time) ` +
          `${fmt(v.referenceActive)}: ${v.active === v.referenceActive ? '**the same**' : '**they differ**'}. ` +
          'The views below are timed after it.',
      ),
      '',
    );
  }
  const section = (
    title: string,
    maintained: QueryTiming[],
    reference: QueryTiming[],
    after?: QueryTiming[],
  ) => {
    out.push(`### ${title}`, '');
    const head = after
      ? '| view | rows | reference | maintained (FORMAT Null) | after the other sections grew 4× | target |'
      : '| view | rows | reference | maintained (FORMAT Null) | target |';
    out.push(head, after ? '|---|---:|---:|---:|---:|---|' : '|---|---:|---:|---:|---|');
    for (const m of maintained) {
      const ref = reference.find((x) => x.view === m.view);
      const a = after?.find((x) => x.view === m.view);
      const cells = [m.view, fmt(m.rows), ref ? ms(ref.ms) : '', `**${ms(m.ms)}** (${ms(m.engineMs)})`];
      if (after) cells.push(a ? ms(a.ms) : '');
      cells.push(target(title, m.ms, a?.ms));
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
  };
  section(
    `Every view for one section (section ${MEASURED_SECTION})`,
    r.measured.maintained,
    r.measured.reference,
    r.measured.afterGrowth,
  );
  section(
    `Every view for the big section (section ${BIG_SECTION}, ${fmt(base?.big ?? 0)} statements)`,
    r.big.maintained,
    r.big.reference,
  );
  section(
    'All-section summaries',
    r.allSections.maintained,
    r.allSections.reference,
    r.allSections.afterGrowth,
  );

  const big = median(r.eventLoad.intoBigMs);
  const empty = median(r.eventLoad.intoEmptyMs);
  out.push('### Keeping analytics current', '');
  out.push('| | measured | target | |', '|---|---|---|---|');
  out.push(
    `| event mode, one 250-statement bundle into section ${BIG_SECTION} (${fmt(r.eventLoad.bigSectionStatements)} statements) vs into an empty section, median of ${r.eventLoad.intoBigMs.length} each | ` +
      `${ms(big)} vs ${ms(empty)}: **${(big / empty).toFixed(2)}×** | ≤ 1.5× | ${big / empty <= 1.5 ? 'met' : '**missed**'} |`,
  );
  out.push(
    `| load of the base data, analytics included | ${(r.base.ms / 1000).toFixed(1)} s, **${fmt(Math.round(r.base.statements / (r.base.ms / 1000)))} statements/s** | see "Results" | |`,
  );
  out.push(
    `| load of the growth (${fmt(r.growth.statements)} statements into sections that already hold data) | ${(r.growth.ms / 1000).toFixed(1)} s, ${fmt(Math.round(r.growth.statements / (r.growth.ms / 1000)))} statements/s | | |`,
  );
  out.push(
    `| statements after the growth | ${fmt(grown?.statements ?? 0)} in ${grown?.sections ?? '?'} sections; section ${MEASURED_SECTION} still ${fmt(grown?.measured ?? 0)} | | |`,
    '',
  );
  out.push(
    "- A section's views read its own rows of the state tables (their sort keys start with `section_id`), so they",
    '  stay flat as other sections grow; where a view returns many rows, compare with `FORMAT Null`: the rest is',
    '  moving and parsing them at the client.',
    '- Keeping the analytics current re-reads only the viewers and days a load touched: a load into a big section',
    '  costs about what a load into an empty one does. More, and what the refresh reads as a day grows:',
    '  [bench/notes.md](bench/notes.md#scale-what-the-analytics-cost-at-millions-of-statements).',
    '',
  );
  return out;
}

function target(title: string, value: number, after?: number): string {
  const limit = title.startsWith('All-section') ? 250 : 100;
  const worst = Math.max(value, after ?? 0);
  return `≤ ${limit} ms: ${worst <= limit ? 'met' : '**missed**'}`;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
