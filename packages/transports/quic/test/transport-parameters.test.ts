import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TransportParameterError } from '../src/errors.js'
import {
  DEFAULT_TRANSPORT_PARAMETERS,
  decodeTransportParameters,
  encodeTransportParameters,
  type TransportParameters,
} from '../src/transport-parameters.js'
import { hex } from './hex.js'

describe('transport parameters (RFC 9000 §18)', () => {
  it('reads the client parameters of RFC 9001 Appendix A.2', () => {
    // the quic_transport_parameters extension body of the sample ClientHello
    const body = hex(
      '0408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f088394c8f03e51570806048000ffff',
    )
    const params = decodeTransportParameters(body, 'client')
    expect(params.initialMaxData).toBe(Number((1n << 62n) - 1n))
    expect(params.initialMaxStreamDataBidiLocal).toBe(0xffff)
    expect(params.initialMaxStreamDataUni).toBe(0xffff)
    expect(params.initialMaxStreamsBidi).toBe(16)
    expect(params.maxIdleTimeout).toBe(30000)
    expect(params.initialMaxStreamsUni).toBe(16)
    expect(params.initialSourceConnectionId).toEqual(hex('8394c8f03e515708'))
    expect(params.initialMaxStreamDataBidiRemote).toBe(0xffff)
    expect(params.ackDelayExponent).toBe(3)
  })

  it('round-trips server parameters, defaults left out', () => {
    const params: TransportParameters = {
      ...DEFAULT_TRANSPORT_PARAMETERS,
      originalDestinationConnectionId: hex('0102030405060708'),
      statelessResetToken: new Uint8Array(16).fill(7),
      maxIdleTimeout: 30000,
      initialMaxData: 1 << 20,
      initialMaxStreamsBidi: 256,
      maxAckDelay: 26,
      disableActiveMigration: true,
      activeConnectionIdLimit: 4,
      initialSourceConnectionId: hex('aa'),
      retrySourceConnectionId: hex('bb'),
      preferredAddress: {
        ipv4Address: hex('7f000001'),
        ipv4Port: 4001,
        ipv6Address: new Uint8Array(16),
        ipv6Port: 4002,
        connectionId: hex('cc'),
        statelessResetToken: new Uint8Array(16).fill(9),
      },
    }
    expect(decodeTransportParameters(encodeTransportParameters(params), 'server')).toEqual(params)
    expect(encodeTransportParameters(DEFAULT_TRANSPORT_PARAMETERS)).toHaveLength(0)
  })

  it('ignores unknown and GREASE parameters', () => {
    // id 27 (31 * 0 + 27), 2 bytes
    expect(decodeTransportParameters(hex('1b02abcd'), 'client')).toEqual(DEFAULT_TRANSPORT_PARAMETERS)
  })

  it('refuses what §18.2 forbids with TRANSPORT_PARAMETER_ERROR', () => {
    const bad: Array<[string, 'client' | 'server']> = [
      ['000100', 'client'], // original_destination_connection_id from a client
      ['0202abcd', 'server'], // a stateless reset token of 2 bytes
      ['0302443f', 'client'], // max_udp_payload_size 1087 < 1200
      ['0a0115', 'client'], // ack_delay_exponent 21
      ['0b028000', 'client'], // truncated max_ack_delay
      ['0b0480004000', 'client'], // max_ack_delay 2^14
      ['0e0101', 'client'], // active_connection_id_limit 1
      ['0c0100', 'client'], // disable_active_migration with a value
      ['010240', 'client'], // a value past the end
      ['0101050101', 'client'], // duplicate max_idle_timeout
      ['0f15' + '00'.repeat(21), 'client'], // a 21-byte connection ID
      ['01020a0b', 'client'], // bytes after an integer's value
      ['0808e000000000000000', 'client'], // initial_max_streams_bidi of 2^61
    ]
    for (const [text, sender] of bad) {
      expect(() => decodeTransportParameters(hex(text), sender), text).toThrow(TransportParameterError)
    }
  })

  it('never throws anything but TransportParameterError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, fromClient) => {
        try {
          decodeTransportParameters(bytes, fromClient ? 'client' : 'server')
        } catch (err) {
          expect(err).toBeInstanceOf(TransportParameterError)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
