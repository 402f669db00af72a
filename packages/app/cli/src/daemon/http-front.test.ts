import { describe, expect, it } from 'vitest'
import { isTunnelPath, parseHead } from './http-front.js'

describe('parseHead', () => {
  it('reads the request line and headers, names lower-cased', () => {
    expect(parseHead('GET /tunnel/x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nAuthorization: Bearer t')).toEqual({
      method: 'GET',
      target: '/tunnel/x',
      headers: Object.assign(Object.create(null), { host: '127.0.0.1:1', authorization: 'Bearer t' }),
    })
  })

  it('keeps __proto__ and constructor as plain headers', () => {
    const head = parseHead('GET / HTTP/1.1\r\n__proto__: a\r\nconstructor: b')
    // read as own entries: the object has no prototype to reach through
    expect(Object.entries(head?.headers ?? {})).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ])
  })

  it('refuses a malformed request line or header line', () => {
    expect(parseHead('BREW /pot HTTP/9')).toBeUndefined()
    expect(parseHead('GET / HTTP/1.1\r\nno colon here')).toBeUndefined()
    expect(isTunnelPath('/p2p/pipe/x')).toBe(true)
    expect(isTunnelPath('/open/x')).toBe(false)
  })
})
