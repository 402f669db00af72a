/**
 * The server side of AutoNAT v1: answers a `Dial` request by dialing the
 * requester back on a fresh connection, only at addresses on the IP it is
 * observed as and never over a relayed connection; a bounded number of
 * dial-backs run at once, within a per-peer and overall budget.
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { anySignal, StreamReader } from '@weft/utils'
import { dialBackCandidates, ipOf, isPrivateIp, isRelayedAddress } from './addresses.js'
import { Message } from './autonat.pb.js'
import type { AutoNATConfig } from './config.js'
import { DialBudget } from './dial-budget.js'
import { readMessage, writeMessage } from './messages.js'
import type { AutoNATComponents } from './types.js'

export class DialBackServer {
  private readonly budget: DialBudget
  private dialBacks = 0

  constructor(
    private readonly components: Pick<AutoNATComponents, 'connectionManager'>,
    private readonly config: AutoNATConfig,
    private readonly log: Logger,
    /** aborts when the service stops (a new one after each start) */
    private readonly service: { readonly signal: AbortSignal },
  ) {
    this.budget = new DialBudget({
      perPeer: config.maxDialBacksPerPeer,
      total: config.maxDialBacksPerMinute,
    })
  }

  /** Forgets the dial-backs granted so far. */
  clear(): void {
    this.budget.clear()
  }

  /** Answers one request stream: a `DIAL_RESPONSE`, then closes it. */
  async onRequest(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.service.signal], this.config.requestTimeout)
    const reader = new StreamReader(stream)
    const answer = async (
      status: Message.ResponseStatus,
      statusText?: string,
      addr?: Multiaddr,
    ): Promise<void> => {
      await writeMessage(
        stream,
        { type: Message.MessageType.DIAL_RESPONSE, dialResponse: { status, statusText, addr: addr?.bytes } },
        { signal },
      )
      await stream.close({ signal })
    }
    try {
      let request: Message
      try {
        request = await readMessage(reader, { signal })
      } catch (err) {
        if ((err as Error).name !== 'InvalidMessageError') throw err
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'malformed message')
      }
      reader.release()
      const peer = request.dial?.peer
      if (request.type !== Message.MessageType.DIAL || peer?.id == null) {
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'expected a DIAL message')
      }
      let claimed: PeerId
      try {
        claimed = peerIdFromBytes(peer.id)
      } catch {
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'invalid peer id')
      }
      if (!claimed.equals(connection.remotePeer)) {
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'the peer id is not the requester')
      }
      if (isRelayedAddress(connection.remoteAddr)) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'no dial-backs over relayed connections')
      }
      const observedIp = ipOf(connection.remoteAddr)
      if (!this.config.allowPrivateAddresses && (observedIp == null || isPrivateIp(observedIp))) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'no dial-backs to private addresses')
      }
      const requested: Multiaddr[] = []
      for (const bytes of peer.addrs) {
        try {
          requested.push(multiaddr(bytes))
        } catch {
          // skip what does not parse
        }
      }
      // the spec allows adding the address the request came from: a peer that
      // knows no address of its own still learns whether that one is open
      requested.push(connection.remoteAddr)
      const candidates = dialBackCandidates(
        requested,
        connection.remoteAddr,
        this.config.maxAddressesPerRequest,
      )
      if (candidates.length === 0) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'no address on the observed IP')
      }
      if (this.dialBacks >= this.config.maxConcurrentDialBacks) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'too many dial-backs in progress')
      }
      const key = connection.remotePeer.toString()
      const refusal = this.budget.take(key)
      if (refusal != null) return await answer(Message.ResponseStatus.E_DIAL_REFUSED, refusal)
      this.dialBacks++
      try {
        const reached = await this.dialBack(connection.remotePeer, candidates, signal)
        if (reached == null) return await answer(Message.ResponseStatus.E_DIAL_ERROR, 'no address answered')
        return await answer(Message.ResponseStatus.OK, undefined, reached)
      } finally {
        this.dialBacks--
        this.budget.release(key)
      }
    } catch (err) {
      this.log('AutoNAT request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      reader.release()
      signal.clear()
    }
  }

  /** Dials each candidate on a fresh connection; the first that works is the answer. */
  private async dialBack(
    peer: PeerId,
    candidates: Multiaddr[],
    parent: AbortSignal,
  ): Promise<Multiaddr | undefined> {
    for (const address of candidates) {
      const signal = anySignal([parent], this.config.dialTimeout)
      try {
        const target = address.getComponents().some((c) => c.name === 'p2p')
          ? address
          : address.encapsulate(`/p2p/${peer.toString()}`)
        // from a port of its own: an answer from the port the client reached
        // would pass a port-restricted NAT and prove nothing
        const connection = await this.components.connectionManager.openConnection(target, {
          signal,
          force: true,
          portUse: 'new',
        })
        await connection.close().catch(() => {})
        return address
      } catch (err) {
        this.log('dial-back to %a failed: %s', address, (err as Error).message)
      } finally {
        signal.clear()
      }
    }
    return undefined
  }
}
