import { describe, expect, it } from 'vitest'
import { hkdfExpandLabel } from '../src/hkdf.js'
import { KeySchedule } from '../src/tls/key-schedule.js'
import { hex, toHex } from './hex.js'

// RFC 8448 §3, "Simple 1-RTT Handshake"
const ECDHE = hex('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d')
const HELLO_HASH = hex('860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8')
const SERVER_FINISHED_HASH = hex('9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13')

describe('TLS 1.3 key schedule (RFC 8446 §7.1) against RFC 8448 §3', () => {
  it('derives the handshake and application traffic secrets', () => {
    const schedule = new KeySchedule('sha256')
    const handshake = schedule.handshake(ECDHE, HELLO_HASH)
    expect(toHex(handshake.client)).toBe('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21')
    expect(toHex(handshake.server)).toBe('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38')
    const application = schedule.application(SERVER_FINISHED_HASH)
    expect(toHex(application.client)).toBe('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5')
    expect(toHex(application.server)).toBe('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643')
  })

  it('expands the TLS record keys of the server handshake secret', () => {
    const secret = hex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38')
    expect(toHex(hkdfExpandLabel('sha256', secret, 'key', new Uint8Array(0), 16))).toBe(
      '3fce516009c21727d0f2e4e86ee403bc',
    )
    expect(toHex(hkdfExpandLabel('sha256', secret, 'iv', new Uint8Array(0), 12))).toBe(
      '5d313eb2671276ee13000b30',
    )
  })

  it('checks a Finished only against its own verify_data', () => {
    const schedule = new KeySchedule('sha256')
    const { server } = schedule.handshake(ECDHE, HELLO_HASH)
    const data = schedule.verifyData(server, SERVER_FINISHED_HASH)
    expect(schedule.checkFinished(server, SERVER_FINISHED_HASH, data)).toBe(true)
    expect(schedule.checkFinished(server, HELLO_HASH, data)).toBe(false)
    expect(schedule.checkFinished(server, SERVER_FINISHED_HASH, data.subarray(1))).toBe(false)
  })
})
