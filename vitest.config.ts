import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.{ts,tsx}'],
          // Generous on a busy machine (a CPU hog beside the suite): PGlite starts in seconds there, not milliseconds.
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          // The web page in headless Chromium on the embedded saga: no broker, so beside the unit tests.
          sequence: { groupOrder: 0 },
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          maxWorkers: 1,
        },
      },
      {
        test: {
          name: 'integration',
          // Unit tests first: a broken rule shows in seconds, before the broker is even needed.
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          // Starts (or reuses) the local Kafka broker and checks Redis and PostgreSQL once for all files.
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file runs its own workers; two at a time suits a 2-core machine.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'disruptive',
          // Stops brokers, restarts and cuts the datastores: runs alone, after everything else.
          sequence: { groupOrder: 2 },
          include: ['test/disruptive/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
