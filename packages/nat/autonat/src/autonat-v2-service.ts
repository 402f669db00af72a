/**
 * AutoNAT v2 (autonat/autonat-v2.md): reachability per address, with the
 * dial-back proven by a nonce, and dial data as the price of dialing an IP
 * other than the one the client is seen at (amplification attack prevention).
 *
 * Server: on `/libp2p/autonat/2/dial-request`, picks the first requested
 * address it may dial (not relayed, not private unless `allowPrivateAddresses`,
 * a transport dials it); for another IP than the observed one it first asks
 * for `dialDataBytes` of data; then dials on a fresh connection, sends the
 * nonce on `/libp2p/autonat/2/dial-back`, and answers with the outcome.
 * Client: `check(peer, addrs)` sends a request, pays dial data up to
 * `maxDialDataBytes`, and trusts an OK only when the nonce came back.
 */
import { randomBytes } from 'node:crypto'
import {
  type AbortOptions,
  type Connection,
  type Logger,
  type PeerId,
  type Startable,
  type Stream,
  TypedEventEmitter,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  anySignal,
  encodeLengthPrefixed,
  InvalidMessageError,
  ProtocolHandler,
  StreamReader,
  sendAll,
} from '@weft/utils'
import { AddressConfidence, type AddressVerdict } from './address-confidence.js'
import { ipOf, isPrivateIp, isRelayedAddress } from './addresses.js'
import { DialBack, DialBackResponse, DialResponse, DialStatus, Message } from './autonat-v2.pb.js'
import { type AutoNATv2Config, resolveV2Config } from './config.js'
import { DialBudget } from './dial-budget.js'
import { directConnection } from './direct-connection.js'
import { AutoNATStoppedError, DialRefusedError } from './errors.js'
import type { AddressCheck, AutoNATv2Components, AutoNATv2Events, AutoNATv2Init } from './types-v2.js'

export const DIAL_REQUEST_PROTOCOL = '/libp2p/autonat/2/dial-request'
export const DIAL_BACK_PROTOCOL = '/libp2p/autonat/2/dial-back'
const MAX_MESSAGE_SIZE = 8192
/** "the data field in each individual protobuf is limited to 4096 bytes" */
const MAX_DIAL_DATA_CHUNK = 4096
/** requested addresses looked at (a client sends at most 32) */
const MAX_ADDRESSES_EXAMINED = 32

export type {
  AddressCheck,
  AddressReachabilityChange,
  AutoNATv2Components,
  AutoNATv2Events,
  AutoNATv2Init,
} from './types-v2.js'

export class AutoNATv2 extends TypedEventEmitter<AutoNATv2Events> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/autonat-v2'
  private readonly requests: ProtocolHandler
  private readonly dialBacks: ProtocolHandler
  private readonly nonces = new Map<bigint, () => void>()
  private readonly opts: AutoNATv2Config
  private readonly verdicts: AddressConfidence
  private readonly log: Logger
  private readonly budget: DialBudget
  private activeDialBacks = 0

  constructor(
    private readonly components: AutoNATv2Components,
    init: AutoNATv2Init = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:autonat-v2')
    this.opts = resolveV2Config(init)
    this.verdicts = new AddressConfidence({
      threshold: this.opts.confidence,
      window: this.opts.resultsPerAddress,
      maxAddresses: this.opts.maxTrackedAddresses,
    })
    this.budget = new DialBudget({
      perPeer: this.opts.maxDialBacksPerPeer,
      total: this.opts.maxDialBacksPerMinute,
    })
    const stopped = () => new AutoNATStoppedError('AutoNAT v2 stopped')
    this.requests = new ProtocolHandler({
      registrar: components.registrar,
      protocol: DIAL_REQUEST_PROTOCOL,
      options: { maxInboundStreams: 2, maxOutboundStreams: 2, runOnLimitedConnection: false },
      handler: (stream, connection) => void this.onDialRequest(stream, connection),
      stoppedError: stopped,
    })
    this.dialBacks = new ProtocolHandler({
      registrar: components.registrar,
      protocol: DIAL_BACK_PROTOCOL,
      options: { maxInboundStreams: 2, maxOutboundStreams: 1, runOnLimitedConnection: false },
      handler: (stream) => void this.onDialBack(stream),
      stoppedError: stopped,
    })
  }

  isStarted(): boolean {
    return this.dialBacks.isStarted()
  }

  async start(): Promise<void> {
    await this.dialBacks.start()
    if (this.opts.server) await this.requests.start()
  }

  async stop(): Promise<void> {
    await this.requests.stop()
    await this.dialBacks.stop()
    this.nonces.clear()
    this.budget.clear()
    this.verdicts.clear()
  }

  /**
   * What the servers said about `address` so far: `reachable` or
   * `unreachable` once `confidence` more of them agreed than disagreed.
   */
  reachabilityOf(address: Multiaddr): AddressVerdict {
    return this.verdicts.verdict(keyOf(address))
  }

  /** Every address checked so far with its verdict. */
  getAddressReachability(): Array<{ address: Multiaddr } & AddressVerdict> {
    return this.verdicts.entries().map(([address, verdict]) => ({ address: multiaddr(address), ...verdict }))
  }

  /**
   * Asks `peer` to dial one of `addrs` (in priority order) back.
   *
   * @throws DialRefusedError when the server asks for more dial data than `maxDialDataBytes`
   */
  async check(peer: PeerId, addrs: Multiaddr[], options: AbortOptions = {}): Promise<AddressCheck> {
    if (addrs.length === 0 || addrs.length > 32) throw new RangeError('check needs 1 to 32 addresses')
    if (this.nonces.size >= this.opts.maxPendingChecks) {
      throw new DialRefusedError('E_REQUEST_REJECTED', `${this.nonces.size} checks are already pending`)
    }
    const signal = anySignal([options.signal, this.dialBacks.signal], this.opts.requestTimeout)
    const nonce = randomBytes(8).readBigUInt64BE()
    let nonceSeen = false
    this.nonces.set(nonce, () => {
      nonceSeen = true
    })
    let stream: Stream | undefined
    try {
      const connection = await directConnection(this.components.connectionManager, peer, { signal })
      stream = await connection.newStream(DIAL_REQUEST_PROTOCOL, { signal })
      const reader = new StreamReader(stream)
      await write(stream, { dialRequest: { addrs: addrs.map((address) => address.bytes), nonce } }, signal)
      let dialDataSent = 0
      while (true) {
        const message = await read(reader, signal)
        if (message.dialDataRequest != null) {
          const wanted = Number(message.dialDataRequest.numBytes)
          if (wanted > this.opts.maxDialDataBytes) {
            throw new DialRefusedError('DIAL_DATA', `the server wants ${wanted} bytes of dial data`)
          }
          const chunk = new Uint8Array(MAX_DIAL_DATA_CHUNK)
          const frame = encodeLengthPrefixed(Message.encode({ dialDataResponse: { data: chunk } }))
          while (dialDataSent < wanted) {
            await sendAll(stream, frame, { signal })
            dialDataSent += chunk.byteLength
          }
          continue
        }
        const response = message.dialResponse
        if (response == null) throw new InvalidMessageError('expected a DialResponse or DialDataRequest')
        reader.release()
        await stream.close({ signal }).catch(() => {})
        const result: AddressCheck = { status: response.status, dialDataSent }
        if (response.status !== DialResponse.ResponseStatus.OK) return result
        result.address = addrs[response.addrIdx]
        result.dialStatus = response.dialStatus
        if (response.dialStatus === DialStatus.OK) result.reachable = nonceSeen ? true : undefined
        else if (response.dialStatus === DialStatus.E_DIAL_ERROR) result.reachable = false
        if (result.address != null && result.reachable != null)
          this.tally(result.address, peer, result.reachable)
        return result
      }
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      this.nonces.delete(nonce)
      signal.clear()
    }
  }

  /** Counts one server's verdict on `address`; announces a change of reachability. */
  private tally(address: Multiaddr, server: PeerId, reachable: boolean): void {
    const verdict = this.verdicts.record(keyOf(address), server.toString(), reachable)
    if (!verdict.changed) return
    this.log('%a is %s (confidence %d)', address, verdict.reachability, verdict.confidence)
    this.safeDispatchEvent('reachability:address', {
      detail: { address, reachability: verdict.reachability, confidence: verdict.confidence },
    })
  }

  /** Client side of the dial-back: note the nonce, say OK, close. */
  private async onDialBack(stream: Stream): Promise<void> {
    const signal = anySignal([this.dialBacks.signal], this.opts.requestTimeout)
    const reader = new StreamReader(stream)
    try {
      const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, { signal })
      let nonce: bigint
      try {
        // protons reads fixed64 as signed; our nonces are unsigned
        nonce = BigInt.asUintN(64, DialBack.decode(bytes).nonce)
      } catch (err) {
        throw new InvalidMessageError(`malformed DialBack: ${(err as Error).message}`)
      }
      this.nonces.get(nonce)?.()
      const response = encodeLengthPrefixed(
        DialBackResponse.encode({ status: DialBackResponse.DialBackStatus.OK }),
      )
      await sendAll(stream, response, { signal })
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    } finally {
      reader.release()
      signal.clear()
    }
  }

  private async onDialRequest(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.requests.signal], this.opts.requestTimeout)
    const reader = new StreamReader(stream)
    const answer = async (
      status: DialResponse.ResponseStatus,
      addrIdx = 0,
      dialStatus = DialStatus.UNUSED,
    ) => {
      await write(stream, { dialResponse: { status, addrIdx, dialStatus } }, signal)
      await stream.close({ signal })
    }
    try {
      const request = (await read(reader, signal)).dialRequest
      if (request == null) throw new InvalidMessageError('expected a DialRequest')
      if (isRelayedAddress(connection.remoteAddr))
        return await answer(DialResponse.ResponseStatus.E_DIAL_REFUSED)
      const picked = this.pick(request.addrs)
      if (picked == null) return await answer(DialResponse.ResponseStatus.E_DIAL_REFUSED)
      if (this.activeDialBacks >= this.opts.maxConcurrentDialBacks) {
        return await answer(DialResponse.ResponseStatus.E_REQUEST_REJECTED)
      }
      const peer = connection.remotePeer.toString()
      const refusal = this.budget.take(peer)
      if (refusal != null) {
        this.log('dial request from %p rejected: %s', connection.remotePeer, refusal)
        return await answer(DialResponse.ResponseStatus.E_REQUEST_REJECTED)
      }
      this.activeDialBacks++
      try {
        if (ipOf(picked.address) !== ipOf(connection.remoteAddr)) {
          await this.collectDialData(stream, reader, picked.index, signal)
        }
        const dialStatus = await this.dialBack(connection.remotePeer, picked.address, request.nonce, signal)
        await answer(DialResponse.ResponseStatus.OK, picked.index, dialStatus)
      } finally {
        this.activeDialBacks--
        this.budget.release(peer)
      }
    } catch (err) {
      this.log('dial request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      reader.release()
      signal.clear()
    }
  }

  /** The first requested address we may dial. */
  private pick(addrs: Uint8Array[]): { address: Multiaddr; index: number } | undefined {
    for (let index = 0; index < Math.min(addrs.length, MAX_ADDRESSES_EXAMINED); index++) {
      let address: Multiaddr
      try {
        address = multiaddr(addrs[index]!)
      } catch {
        continue
      }
      if (isRelayedAddress(address) || ipOf(address) == null) continue
      if (!this.opts.allowPrivateAddresses && isPrivateIp(ipOf(address)!)) continue
      if (this.components.transportManager.dialTransportForMultiaddr(address) == null) continue
      return { address, index }
    }
    return undefined
  }

  /** Amplification attack prevention: the client pays `dialDataBytes` first. */
  private async collectDialData(stream: Stream, reader: StreamReader, addrIdx: number, signal: AbortSignal) {
    const numBytes = this.opts.dialDataBytes
    await write(stream, { dialDataRequest: { addrIdx, numBytes: BigInt(numBytes) } }, signal)
    let received = 0
    while (received < numBytes) {
      const data = (await read(reader, signal)).dialDataResponse?.data
      if (data == null) throw new InvalidMessageError('expected a DialDataResponse')
      // an empty chunk pays nothing: refuse it rather than loop on it
      if (data.byteLength === 0 || data.byteLength > MAX_DIAL_DATA_CHUNK) {
        throw new InvalidMessageError(
          `a DialDataResponse of ${data.byteLength} bytes, expected 1 to ${MAX_DIAL_DATA_CHUNK}`,
        )
      }
      received += data.byteLength
    }
  }

  /** Dials on a fresh connection and sends the nonce; the DialStatus to report. */
  private async dialBack(
    peer: PeerId,
    address: Multiaddr,
    nonce: bigint,
    parent: AbortSignal,
  ): Promise<DialStatus> {
    const signal = anySignal([parent], this.opts.dialTimeout)
    let connection: Connection
    try {
      const target = address.getComponents().some((c) => c.name === 'p2p')
        ? address
        : address.encapsulate(`/p2p/${peer.toString()}`)
      // from a port of its own (rust-libp2p's server dials back from a newly
      // allocated port too): an answer from the port the client reached
      // would pass a port-restricted NAT and prove nothing
      connection = await this.components.connectionManager.openConnection(target, {
        signal,
        force: true,
        portUse: 'new',
      })
    } catch (err) {
      this.log('dial-back to %a failed: %s', address, (err as Error).message)
      signal.clear()
      return DialStatus.E_DIAL_ERROR
    }
    try {
      const stream = await connection.newStream(DIAL_BACK_PROTOCOL, { signal })
      const reader = new StreamReader(stream)
      await sendAll(stream, encodeLengthPrefixed(DialBack.encode({ nonce })), { signal })
      const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, { signal })
      reader.release()
      DialBackResponse.decode(bytes)
      await stream.close({ signal }).catch(() => {})
      return DialStatus.OK
    } catch (err) {
      this.log('dial-back stream to %a failed: %s', address, (err as Error).message)
      return DialStatus.E_DIAL_BACK_ERROR
    } finally {
      await connection.close().catch(() => {})
      signal.clear()
    }
  }
}

/** An address without our `/p2p/<id>`: the key its results are kept under. */
function keyOf(address: Multiaddr): string {
  return address.toString().split('/p2p/')[0]!
}

async function read(reader: StreamReader, signal: AbortSignal): Promise<Message> {
  const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, { signal })
  try {
    return Message.decode(bytes)
  } catch (err) {
    throw new InvalidMessageError(`malformed AutoNAT v2 message: ${(err as Error).message}`)
  }
}

async function write(stream: Stream, message: Message, signal: AbortSignal): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(Message.encode(message)), { signal })
}
