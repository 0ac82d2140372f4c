import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests each start their own local AWS endpoint on an ephemeral port,
    // so files can run in parallel without sharing state.
    pool: 'forks',
  },
});
