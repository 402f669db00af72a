import { describe, expect, it } from 'vitest'
import { commonPrefixLength, kadId } from './distance.js'
import { randomKeyInBucket } from './refresher.js'

describe('randomKeyInBucket', () => {
  it('makes keys whose key-space point falls in the asked bucket', () => {
    const self = kadId(new TextEncoder().encode('self'))
    for (let bucket = 0; bucket <= 10; bucket++) {
      const key = randomKeyInBucket(self, bucket)
      expect(key).toBeDefined()
      expect(commonPrefixLength(self, kadId(key!))).toBe(bucket)
    }
  })

  it('gives up on buckets too deep to hit by chance', () => {
    const self = kadId(new TextEncoder().encode('self'))
    expect(randomKeyInBucket(self, 200)).toBeUndefined()
  })
})
