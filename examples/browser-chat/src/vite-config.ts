/**
 * The Vite configuration of the page, shared by `server.ts` (dev server) and
 * the browser test (production build). `weft-source` makes Vite read the
 * workspace packages' TypeScript sources, as vitest does; the browser
 * conditions that follow pick each package's browser build
 * (`@weft/websocket`'s `index.browser.ts`).
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultClientConditions, type InlineConfig } from 'vite'

/** The example's folder (the one holding index.html), from src/ or dist/src/. */
export function exampleRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 3 && !existsSync(join(dir, 'index.html')); i++) dir = dirname(dir)
  return dir
}

export function pageConfig(): InlineConfig {
  return {
    configFile: false,
    root: exampleRoot(),
    logLevel: 'warn',
    resolve: { conditions: ['weft-source', ...defaultClientConditions] },
    build: { target: 'es2022' },
  }
}
