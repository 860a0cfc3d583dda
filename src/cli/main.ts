#!/usr/bin/env node
import { defineCommand, runMain } from 'citty';

/** The xapi-etl CLI: each subcommand is loaded only when used, so `--help` stays instant. */
export const main = defineCommand({
  meta: {
    name: 'xapi-etl',
    description:
      'Load xAPI JSONL bundles from S3 (or local files) into ClickHouse, with ClickHouse doing the reading.',
  },
  subCommands: {
    migrate: () => import('./commands/migrate.js').then((m) => m.default),
    process: () => import('./commands/process.js').then((m) => m.default),
    query: () => import('./commands/query.js').then((m) => m.default),
    demo: () => import('./commands/demo.js').then((m) => m.default),
    invoke: () => import('./commands/invoke.js').then((m) => m.default),
    bulk: () => import('./commands/bulk.js').then((m) => m.default),
    health: () => import('./commands/health.js').then((m) => m.default),
    generate: () => import('./commands/generate.js').then((m) => m.default),
    report: () => import('./commands/report.js').then((m) => m.default),
  },
});

runMain(main);
