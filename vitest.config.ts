import { createLogger } from 'vite';
import { defineConfig } from 'vitest/config';

// @actions/workflow-parser ships source maps without their sources: drop that one warning, keep the others.
const logger = createLogger();
const warn = logger.warn.bind(logger);
logger.warn = (message, options) => {
  if (!message.includes('points to missing source files')) warn(message, options);
};

export default defineConfig({
  customLogger: logger,
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Its JSON import lacks `with { type: 'json' }`, which Node's own loader requires: let vite transform it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
