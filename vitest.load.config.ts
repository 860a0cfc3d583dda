import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:load`: the concurrent-load test alone (`npm test` leaves test/load/ out: it takes 15+ minutes on 2 cores). */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/load/**/*.test.ts'],
    exclude: [],
    outputFile: { json: 'build/vitest-load-report.json' },
    testTimeout: 3_600_000,
  },
});
