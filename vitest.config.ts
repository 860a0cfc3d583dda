import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The concurrent-load test runs on its own: `npm run test:load` (vitest.load.config.ts).
    exclude: [...configDefaults.exclude, 'test/load/**'],
    // chDB is one engine per process: every test file runs in its own process, tests in a file in order.
    pool: 'forks',
    // Fails the run if a test wrote into the work tree (docs/, the root…) instead of a temporary folder.
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 120_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'build/vitest-report.json' },
    hookTimeout: 120_000,
    env: {
      // s3rver's credentials; the processor passes them on to ClickHouse's s3() like Lambda role credentials.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
