/**
 * The pubsub RPC on the wire (libp2p/specs pubsub/README.md "The RPC"): each
 * RPC is an unsigned-varint length-prefixed protobuf on a long-lived stream.
 * Decoding is bounded by `RpcLimits` and wraps every failure into
 * `InvalidMessageError`.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { encodeLengthPrefixed } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { RPC } from './rpc.pb.js'

export { RPC }

export interface RpcLimits {
  /** subscription changes per RPC (default 5000) */
  maxSubscriptions: number
  /** messages per RPC (default 5000) */
  maxMessages: number
  /** IHAVE, IWANT, GRAFT, PRUNE and IDONTWANT entries, each, per RPC (default 5000) */
  maxControlMessages: number
  /** message ids in one IHAVE (default 5000) */
  maxIhaveMessageIds: number
  /** message ids in one IWANT (default 5000) */
  maxIwantMessageIds: number
  /** message ids in one IDONTWANT (default 512) */
  maxIdontwantMessageIds: number
  /** peer infos in one PRUNE (default 16) */
  maxPeerInfos: number
}

export const DEFAULT_RPC_LIMITS: Readonly<RpcLimits> = Object.freeze({
  maxSubscriptions: 5000,
  maxMessages: 5000,
  maxControlMessages: 5000,
  maxIhaveMessageIds: 5000,
  maxIwantMessageIds: 5000,
  maxIdontwantMessageIds: 512,
  maxPeerInfos: 16,
})

/** Decodes one RPC body (without its length prefix). */
export function decodeRpc(bytes: Uint8Array | Uint8ArrayList, limits: RpcLimits = DEFAULT_RPC_LIMITS): RPC {
  try {
    return RPC.decode(bytes, {
      limits: {
        subscriptions: limits.maxSubscriptions,
        messages: limits.maxMessages,
        control: {
          ihave: limits.maxControlMessages,
          ihave$: { messageIDs: limits.maxIhaveMessageIds },
          iwant: limits.maxControlMessages,
          iwant$: { messageIDs: limits.maxIwantMessageIds },
          graft: limits.maxControlMessages,
          prune: limits.maxControlMessages,
          prune$: { peers: limits.maxPeerInfos },
          idontwant: limits.maxControlMessages,
          idontwant$: { messageIDs: limits.maxIdontwantMessageIds },
        },
      },
    })
  } catch (err) {
    throw new InvalidMessageError(`malformed pubsub RPC: ${(err as Error).message}`)
  }
}

/** Encodes an RPC with its varint length prefix, ready to send. */
export function encodeRpc(rpc: Partial<RPC>): Uint8Array {
  return encodeLengthPrefixed(
    RPC.encode({
      subscriptions: rpc.subscriptions ?? [],
      messages: rpc.messages ?? [],
      control: rpc.control,
    }),
  )
}

/** Whether an RPC carries nothing. */
export function isEmptyControl(control: RPC.ControlMessage | undefined): boolean {
  return (
    control == null ||
    (control.ihave.length === 0 &&
      control.iwant.length === 0 &&
      control.graft.length === 0 &&
      control.prune.length === 0 &&
      control.idontwant.length === 0)
  )
}
