/** TURN REST API credentials and the long-term key, against values computed with openssl / md5sum. */
import { longTermKey } from '@weft/stun'
import { describe, expect, it } from 'vitest'
import { restCredentialSource, restCredentials } from '../src/index.js'

describe('credentials', () => {
  it('REST: username "<expiry>:<user>", password base64(HMAC-SHA1(secret, username))', () => {
    // printf '1700003600:alice' | openssl dgst -sha1 -hmac north -binary | base64
    expect(
      restCredentials({ secret: 'north', user: 'alice', ttl: 3600, now: () => 1_700_000_000_000 }),
    ).toEqual({
      username: '1700003600:alice',
      password: 'wjwSXO2ch1B6VaLTLMy2Avn5O9o=',
    })
    expect(restCredentials({ secret: 'north', ttl: 1, now: () => 0 }).username).toBe('1')
    expect(() => restCredentials({ secret: 'north', ttl: 0 })).toThrow(RangeError)
  })

  it('a REST source mints new credentials each time it is asked', () => {
    let now = 1_000_000
    const source = restCredentialSource({ secret: 's', user: 'u', ttl: 10, now: () => now })
    const first = source()
    now += 5_000
    expect(source().username).not.toBe(first.username)
  })

  it('the long-term key is MD5(username:realm:password)', () => {
    // printf 'alice:weft.test:secret' | md5sum
    expect(Buffer.from(longTermKey('alice', 'weft.test', 'secret')).toString('hex')).toBe(
      'b82790d67954d974b2da2b2a9acdabef',
    )
  })
})
