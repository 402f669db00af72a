import { defineConfig } from 'vitest/config'

// Tests run from TypeScript sources: the `weft-source` export condition points
// each workspace package at its src/index.ts, so no build is needed to test.
export default defineConfig({
  resolve: { conditions: ['weft-source'] },
  ssr: { resolve: { conditions: ['weft-source'] } },
  test: {
    include: ['packages/**/*.test.ts', 'interop/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks'
  }
})
