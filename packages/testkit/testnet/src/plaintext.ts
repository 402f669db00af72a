/**
 * A connection "encrypter" for simulations only: each side sends its
 * length-prefixed protobuf public key and reads the other's, so both learn
 * the remote peer id, and bytes then pass unchanged. No secrecy and no proof
 * of key possession: never use it outside an in-process testnet. It exists
 * because a Noise handshake per connection dominates the cost of starting
 * thousands of hosts in one process.
 */
import {
  type ConnectionEncrypter,
  type MessageStream,
  type PrivateKey,
  type SecureConnectionOptions,
  type SecuredConnection,
  UnexpectedPeerError,
} from '@libp2p/interface'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { encodeLengthPrefixed, StreamReader, sendAll } from '@weft/utils'

/** The protocol id; deliberately not `/plaintext/2.0.0`, so it never meets a real peer. */
export const SIMULATION_PLAINTEXT = '/weft-simulation-plaintext/1.0.0'
const MAX_KEY_MESSAGE = 4096

export function simulationPlaintext(): (components: { privateKey: PrivateKey }) => ConnectionEncrypter {
  return ({ privateKey }) => {
    const exchange = async <Stream extends MessageStream>(
      stream: Stream,
      options?: SecureConnectionOptions,
    ): Promise<SecuredConnection<Stream>> => {
      await sendAll(stream, encodeLengthPrefixed(publicKeyToProtobuf(privateKey.publicKey)), options)
      const reader = new StreamReader(stream)
      try {
        const key = publicKeyFromProtobuf(
          (await reader.readLengthPrefixed(MAX_KEY_MESSAGE, options)).subarray(),
        )
        const remotePeer = peerIdFromPublicKey(key)
        if (options?.remotePeer != null && !options.remotePeer.equals(remotePeer)) {
          throw new UnexpectedPeerError(
            `expected ${options.remotePeer.toString()}, the remote is ${remotePeer.toString()}`,
          )
        }
        return { connection: stream, remotePeer }
      } finally {
        reader.release()
      }
    }
    return {
      protocol: SIMULATION_PLAINTEXT,
      [Symbol.toStringTag]: 'weft-simulation-plaintext',
      secureInbound: exchange,
      secureOutbound: exchange,
    } as ConnectionEncrypter
  }
}
