import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:load`: the concurrent-load test alone (`npm test` leaves test/load/ out: about 4 minutes on 2 cores, more on a busy machine). */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/load/**/*.test.ts'],
    exclude: [],
    outputFile: { json: 'build/vitest-load-report.json' },
    testTimeout: 3_600_000,
  },
});
