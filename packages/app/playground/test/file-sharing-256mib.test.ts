/**
 * Acceptance 4 at the size: 256 MiB from three sources (about 10 s and
 * 768 MiB of temporary disk here). The same scenario runs at 32 MiB in
 * file-sharing.test.ts.
 */
import { describe, it } from 'vitest'
import { fileSharingScenario } from './file-scenario.js'

describe('file sharing (slow: 256 MiB)', () => {
  it('256 MiB from three sources: survives a dead source, bans a corrupt one, resumes after a restart and hashes equal', {
    timeout: 300_000,
  }, async () => {
    await fileSharingScenario(256)
  })
})
