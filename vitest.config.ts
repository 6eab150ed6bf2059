import { defineConfig } from 'vitest/config';

// The JSON report is what `.ci/run` turns into the closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: ORT sessions already use both, so files run one after another.
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }]],
  },
});
