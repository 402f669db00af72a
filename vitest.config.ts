import { defineConfig } from 'vitest/config'

// Tests run from TypeScript sources: the `weft-source` export condition points
// each workspace package at its src/index.ts, so no build is needed to test.
const shared = {
  resolve: { conditions: ['weft-source'] },
  ssr: { resolve: { conditions: ['weft-source'] } },
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      {
        ...shared,
        test: {
          name: 'packages',
          include: ['packages/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
        },
      },
      {
        ...shared,
        test: {
          name: 'interop',
          include: ['interop/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          // js-libp2p 3.x calls Promise.withResolvers, which Node 20 lacks
          execArgv: ['--import', new URL('./interop/polyfill.mjs', import.meta.url).pathname],
          testTimeout: 120_000,
        },
      },
    ],
  },
})
