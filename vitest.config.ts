import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Hang guards, not performance assertions: a simulated trading week runs real handlers over
    // HTTP and takes tens of seconds on a loaded 2-core machine. Figures live in `npm run bench`.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests each start their own local AWS endpoint on an ephemeral port,
    // so files can run in parallel without sharing state.
    pool: 'forks',
    // Handlers built with the production wiring log every reconcile; keep test output to what failed.
    // The AWS SDK's Node 20 end-of-support notice, off through its own switch (cli/node-warnings.ts says why).
    env: { POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
