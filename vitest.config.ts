import { defineConfig } from 'vitest/config';

// The JSON report is what `.ci/run` turns into the closing "N passed, N failed" line.
//
// Two groups, one after the other (sequence.groupOrder). First everything but the browser tests,
// two files at a time: on 2 cores ORT sessions use both, but many files spend much of their time
// waiting (child processes starting, a one-node SLURM polling, files written and read, single-
// threaded JS), and pairing them took the group from about 11 to under 10 minutes. Then the
// browser tests alone, one file at a time, because they measure the UI's responsiveness while
// training runs and must have the machine to themselves.
const shared = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
  // tests marked concurrent (child processes that wait as much as they compute) run in pairs
  maxConcurrency: 2,
};

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }]],
    projects: [
      { test: { ...shared, name: 'engine', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'], fileParallelism: true, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'browser', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
