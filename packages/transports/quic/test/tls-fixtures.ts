/** Two libp2p identities and a pump that runs a TLS client and server against each other in memory. */
import type { PrivateKey } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { type Certificate, generateCertificate } from '@weft/tls'
import type { EncryptionLevel, HandshakeEvent, HandshakeResult } from '../src/tls/handshake-endpoint.js'
import type { TlsClient } from '../src/tls/tls-client.js'
import type { TlsServer } from '../src/tls/tls-server.js'
import { encodeTransportParameters } from '../src/transport-parameters.js'

export interface Identity {
  key: PrivateKey
  certificate: Certificate
}

export async function identity(type: 'Ed25519' | 'secp256k1' | 'ECDSA' = 'Ed25519'): Promise<Identity> {
  const key = await generateKeyPair(type)
  return { key, certificate: await generateCertificate(key) }
}

export function peerIdOf(id: Identity): string {
  return peerIdFromPrivateKey(id.key).toString()
}

export const CLIENT_PARAMETERS = encodeTransportParameters({
  initialMaxData: 1 << 20,
  initialMaxStreamsBidi: 100,
  maxIdleTimeout: 30_000,
  initialSourceConnectionId: Uint8Array.of(1, 2, 3, 4),
})

export const SERVER_PARAMETERS = encodeTransportParameters({
  initialMaxData: 1 << 21,
  initialMaxStreamsBidi: 256,
  originalDestinationConnectionId: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9),
  initialSourceConnectionId: Uint8Array.of(5, 6, 7, 8),
  statelessResetToken: new Uint8Array(16).fill(3),
})

export interface Side {
  secrets: Map<string, Uint8Array>
  result?: HandshakeResult
  sent: Array<{ level: EncryptionLevel; data: Uint8Array }>
}

function record(side: Side, events: HandshakeEvent[]): Array<{ level: EncryptionLevel; data: Uint8Array }> {
  const out = []
  for (const event of events) {
    if (event.type === 'send') {
      out.push({ level: event.level, data: event.data })
      side.sent.push({ level: event.level, data: event.data })
    } else if (event.type === 'complete') side.result = event.result
    else side.secrets.set(`${event.type}:${event.level}`, event.secret)
  }
  return out
}

/**
 * Runs the handshake to the end, flight by flight. `tamper` may rewrite any
 * message in flight (by who sent it and its index among that side's messages).
 */
export async function runHandshake(
  client: TlsClient,
  server: TlsServer,
  tamper: (from: 'client' | 'server', index: number, data: Uint8Array) => Uint8Array = (_f, _i, data) => data,
): Promise<{ client: Side; server: Side }> {
  const sides = {
    client: { secrets: new Map(), sent: [] } as Side,
    server: { secrets: new Map(), sent: [] } as Side,
  }
  let counts = { client: 0, server: 0 }
  let flight = record(sides.client, await client.start())
  let from: 'client' | 'server' = 'client'
  for (let round = 0; round < 6 && flight.length > 0; round++) {
    const to = from === 'client' ? server : client
    const next: Array<{ level: EncryptionLevel; data: Uint8Array }> = []
    for (const message of flight) {
      const data = tamper(from, counts[from]++, message.data)
      const receiver = from === 'client' ? sides.server : sides.client
      next.push(...record(receiver, await to.receive(message.level, data)))
    }
    flight = next
    from = from === 'client' ? 'server' : 'client'
    counts = { ...counts }
  }
  return sides
}
