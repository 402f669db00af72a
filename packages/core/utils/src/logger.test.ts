import { afterEach, describe, expect, it, vi } from 'vitest'

describe('logger', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.resetModules()
  })

  it('without DEBUG hands out one shared silent logger, scopes included', async () => {
    vi.stubEnv('DEBUG', '')
    vi.resetModules()
    const { defaultLogger, logger } = await import('./logger.js')
    const log = logger('weft:test:a')
    expect(log.enabled).toBe(false)
    expect(log.newScope('b').enabled).toBe(false)
    expect(logger('weft:test:other')).toBe(log)
    expect(defaultLogger().forComponent('x')).toBe(log)
    expect(() => {
      log('%s', 'ignored')
      log.error('ignored')
      log.trace('ignored')
    }).not.toThrow()
  })

  it('with DEBUG enables the loggers whose names match, and their scopes', async () => {
    vi.stubEnv('DEBUG', 'weft:test:*')
    vi.resetModules()
    const { logger } = await import('./logger.js')
    expect(logger('weft:test:a').enabled).toBe(true)
    expect(logger('weft:test:a').newScope('b').enabled).toBe(true)
    expect(logger('weft:other').enabled).toBe(false)
  })
})
