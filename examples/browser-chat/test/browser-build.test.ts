/**
 * The page and every weft package it uses build for browsers without a Node
 * built-in: Vite warns for each `node:*` module it has to stub out, and any
 * such warning fails the test. No browser needed.
 */
import { build, createLogger } from 'vite'
import { describe, expect, it } from 'vitest'
import { pageConfig } from '../src/vite-config.js'

describe("the page's browser build", () => {
  it('pulls in no Node built-in', async () => {
    const logger = createLogger('warn')
    const warnings: string[] = []
    logger.warn = (message) => void warnings.push(message)
    logger.warnOnce = (message) => void warnings.push(message)
    await build({ ...pageConfig(), customLogger: logger, build: { write: false, target: 'es2022' } })
    expect(warnings.filter((message) => /node:|externalized for browser/.test(message))).toEqual([])
  }, 120_000)
})
