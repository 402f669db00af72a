import { defineConfig } from 'vitest/config'

// js-libp2p dials WebSockets through the global WebSocket, which Node 20 and
// 21 expose only behind this flag (Node 22 has it on by default)
const nodeMajor = Number(process.versions.node.split('.')[0])
const webSocketFlag = nodeMajor === 20 || nodeMajor === 21 ? ['--experimental-websocket'] : []

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
        // projects inherit the root test options (timeouts, reporters)
        extends: true,
        test: {
          name: 'packages',
          include: ['packages/**/*.test.ts', 'examples/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
        },
      },
      {
        ...shared,
        extends: true,
        test: {
          name: 'interop',
          include: ['interop/**/*.test.ts', 'benchmarks/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          // js-libp2p 3.x calls Promise.withResolvers, which Node 20 lacks
          execArgv: [
            '--import',
            new URL('./interop/polyfill.mjs', import.meta.url).pathname,
            ...webSocketFlag,
          ],
          testTimeout: 120_000,
        },
      },
    ],
  },
})
