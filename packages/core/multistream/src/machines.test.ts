import { describe, expect, it } from 'vitest'
import { concatMessages, encodeList, encodeMessages, PROTOCOL_ID } from './codec.js'
import { Dialer } from './dialer.js'
import { Listener } from './listener.js'

const wire = (replies: Uint8Array[]): Uint8Array => concatMessages(replies)

describe('Dialer', () => {
  it('opens with the header and the first proposal', () => {
    expect(wire(new Dialer(['/a', '/b']).firstFlight())).toEqual(encodeMessages([PROTOCOL_ID, '/a']))
  })

  it('agrees when the proposal is echoed after the header', () => {
    const dialer = new Dialer(['/a'])
    const replies: Uint8Array[] = []
    expect(dialer.receive(PROTOCOL_ID, replies)).toBeUndefined()
    expect(dialer.receive('/a', replies)).toBe('/a')
    expect(replies).toEqual([])
  })

  it('proposes the next protocol after "na"', () => {
    const dialer = new Dialer(['/a', '/b', '/c'])
    const replies: Uint8Array[] = []
    dialer.receive(PROTOCOL_ID, replies)
    expect(dialer.receive('na', replies)).toBeUndefined()
    expect(wire(replies)).toEqual(encodeMessages(['/b']))
    replies.length = 0
    expect(dialer.receive('na', replies)).toBeUndefined()
    expect(wire(replies)).toEqual(encodeMessages(['/c']))
    expect(dialer.receive('/c', [])).toBe('/c')
  })

  it('throws UnsupportedProtocolError when every proposal is refused', () => {
    const dialer = new Dialer(['/a', '/b'])
    dialer.receive(PROTOCOL_ID, [])
    dialer.receive('na', [])
    expect(() => dialer.receive('na', [])).toThrow(
      expect.objectContaining({ name: 'UnsupportedProtocolError' }),
    )
  })

  it('throws InvalidMessageError for a wrong header or an unexpected answer', () => {
    expect(() => new Dialer(['/a']).receive('/multistream/2.0.0', [])).toThrow(
      expect.objectContaining({ name: 'InvalidMessageError' }),
    )
    const dialer = new Dialer(['/a'])
    dialer.receive(PROTOCOL_ID, [])
    expect(() => dialer.receive('/b', [])).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
  })

  it('needs at least one protocol', () => {
    expect(() => new Dialer([])).toThrow(TypeError)
  })

  it('says what it waits for', () => {
    const dialer = new Dialer(['/a'])
    expect(dialer.waitingFor).toContain(PROTOCOL_ID)
    dialer.receive(PROTOCOL_ID, [])
    expect(dialer.waitingFor).toContain('/a')
  })
})

describe('Listener', () => {
  it('answers the header, then echoes a supported proposal', () => {
    const listener = new Listener(['/a', '/b'])
    const replies: Uint8Array[] = []
    expect(listener.receive(PROTOCOL_ID, replies)).toBeUndefined()
    expect(listener.receive('/b', replies)).toBe('/b')
    expect(wire(replies)).toEqual(encodeMessages([PROTOCOL_ID, '/b']))
  })

  it('answers "na" to an unsupported proposal and keeps listening', () => {
    const listener = new Listener(['/a'])
    const replies: Uint8Array[] = []
    listener.receive(PROTOCOL_ID, replies)
    expect(listener.receive('/x', replies)).toBeUndefined()
    expect(listener.receive('/a', replies)).toBe('/a')
    expect(wire(replies)).toEqual(encodeMessages([PROTOCOL_ID, 'na', '/a']))
  })

  it('answers "ls" with its list', () => {
    const listener = new Listener(['/a', '/b'])
    const replies: Uint8Array[] = []
    listener.receive(PROTOCOL_ID, replies)
    listener.receive('ls', replies)
    expect(wire(replies)).toEqual(concatMessages([encodeMessages([PROTOCOL_ID]), encodeList(['/a', '/b'])]))
  })

  it('answers a repeated header with the header', () => {
    const listener = new Listener(['/a'])
    const replies: Uint8Array[] = []
    listener.receive(PROTOCOL_ID, replies)
    listener.receive(PROTOCOL_ID, replies)
    expect(wire(replies)).toEqual(encodeMessages([PROTOCOL_ID, PROTOCOL_ID]))
  })

  it('throws InvalidMessageError when the first message is not the header', () => {
    expect(() => new Listener(['/a']).receive('/a', [])).toThrow(
      expect.objectContaining({ name: 'InvalidMessageError' }),
    )
  })

  it('gives up after maxProposals proposals', () => {
    const listener = new Listener(['/a'], 3)
    listener.receive(PROTOCOL_ID, [])
    for (let i = 0; i < 3; i++) listener.receive(`/nope/${i}`, [])
    expect(() => listener.receive('/a', [])).toThrow(
      expect.objectContaining({ name: 'TooManyProposalsError', limit: 3 }),
    )
  })

  it('refuses a non-positive proposal limit', () => {
    expect(() => new Listener(['/a'], 0)).toThrow(RangeError)
  })
})
