/**
 * The identify service: answers `/ipfs/id/1.0.0`, identifies every new
 * connection, accepts `/ipfs/id/push/1.0.0` and pushes our changes to
 * connected peers (libp2p/specs identify/README.md).
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type IdentifyResult,
  type Libp2pEvents,
  type Logger,
  type NodeInfo,
  type PeerId,
  type PrivateKey,
  type Startable,
  type Stream,
  type StreamHandler,
  type StreamHandlerOptions,
  serviceCapabilities,
  setMaxListeners,
  type TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, sendAll } from '@weft/utils'
import { consumeIdentify, type IdentifyKind, type IdentifyPeerStore } from './consume.js'
import { IdentifyStoppedError } from './errors.js'
import { encodeResponse, type IdentifyMessage, MAX_ADDRESSES, MAX_PROTOCOLS } from './message.js'
import { type IdentifyConfig, type IdentifyInit, resolveConfig } from './options.js'
import { readIdentify } from './read-messages.js'
import { SelfDescription, withoutPeerId } from './self-description.js'

export interface IdentifyComponents {
  peerId: PeerId
  privateKey: PrivateKey
  peerStore: IdentifyPeerStore
  registrar: {
    getProtocols(): string[]
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  addressManager: {
    getAddresses(): Multiaddr[]
    addObservedAddr?(addr: Multiaddr): void
    getObservedAddrs?(): Multiaddr[]
  }
  connectionManager: { getConnections(peerId?: PeerId): Connection[] }
  events: TypedEventTarget<Libp2pEvents>
  nodeInfo?: NodeInfo
  logger: ComponentLogger
}

export class IdentifyService implements Startable {
  readonly protocol: string
  readonly pushProtocol: string
  readonly [Symbol.toStringTag] = '@libp2p/identify'
  readonly [serviceCapabilities]: string[] = ['@libp2p/identify', '@libp2p/identify-push']

  private readonly options: IdentifyConfig
  private readonly log: Logger
  private readonly self: SelfDescription
  private shutdown = new AbortController()
  private started = false
  private pushTimer?: ReturnType<typeof setTimeout>
  private pushing?: Promise<void>
  /** the observed addresses we reported, with the observer address each came from */
  private readonly observers = new Map<string, string>()

  constructor(
    private readonly components: IdentifyComponents,
    init: IdentifyInit = {},
  ) {
    this.options = resolveConfig(init, components.nodeInfo)
    this.protocol = `/${this.options.protocolPrefix}/id/1.0.0`
    this.pushProtocol = `/${this.options.protocolPrefix}/id/push/1.0.0`
    this.log = components.logger.forComponent('weft:identify')
    this.self = new SelfDescription({
      peerId: components.peerId,
      privateKey: components.privateKey,
      protocolVersion: this.options.protocolVersion,
      agentVersion: this.options.agentVersion,
      getAddresses: () => components.addressManager.getAddresses(),
      getProtocols: () => components.registrar.getProtocols(),
      log: this.log,
    })
    this.handleIdentify = this.handleIdentify.bind(this)
    this.handlePush = this.handlePush.bind(this)
    this.onConnectionOpen = this.onConnectionOpen.bind(this)
    this.onSelfUpdate = this.onSelfUpdate.bind(this)
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    // every exchange in flight listens on it (bounded by the stream limits
    // and maxPushConcurrency) and lets go when done: not a leak to warn about
    setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
    const { registrar, events } = this.components
    const { maxInboundStreams, maxOutboundStreams, runOnLimitedConnection } = this.options
    await registrar.handle(this.protocol, this.handleIdentify, {
      maxInboundStreams,
      maxOutboundStreams,
      runOnLimitedConnection,
    })
    await registrar.handle(this.pushProtocol, this.handlePush, {
      maxInboundStreams: this.options.maxPushIncomingStreams,
      maxOutboundStreams: this.options.maxPushOutgoingStreams,
      runOnLimitedConnection,
    })
    if (this.options.runOnConnectionOpen) events.addEventListener('connection:open', this.onConnectionOpen)
    events.addEventListener('self:peer:update', this.onSelfUpdate)
    this.started = true
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    const { registrar, events } = this.components
    events.removeEventListener('connection:open', this.onConnectionOpen)
    events.removeEventListener('self:peer:update', this.onSelfUpdate)
    clearTimeout(this.pushTimer)
    this.pushTimer = undefined
    this.shutdown.abort(new IdentifyStoppedError())
    await registrar.unhandle(this.protocol)
    await registrar.unhandle(this.pushProtocol)
    await this.pushing
  }

  /**
   * Asks `connection`'s remote peer who it is, stores the answer and
   * dispatches `peer:identify`. Rejects with `UnexpectedPeerError` when the
   * answer's public key is not the remote peer's.
   */
  async identify(connection: Connection, options: AbortOptions = {}): Promise<IdentifyResult> {
    const signal = anySignal([this.shutdown.signal, options.signal], this.options.timeout)
    let stream: Stream | undefined
    try {
      stream = await connection.newStream(this.protocol, {
        signal,
        maxOutboundStreams: this.options.maxOutboundStreams,
        runOnLimitedConnection: this.options.runOnLimitedConnection,
      })
      const message = await readIdentify(stream, { ...this.limits(), signal })
      await stream.close({ signal })
      return await this.consume(connection, message, 'identify', signal)
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      signal.clear()
    }
  }

  /** Sends our current Identify to every connected peer that accepts pushes. */
  async push(options: AbortOptions = {}): Promise<void> {
    const message = await this.self.message()
    const frame = encodeResponse(message, this.options.maxMessageSize)
    const connections = this.components.connectionManager
      .getConnections()
      .filter((connection) => connection.status === 'open' && this.mayUse(connection))
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < connections.length) {
        const connection = connections[next++]!
        if (await this.acceptsPush(connection.remotePeer, options))
          await this.pushTo(connection, frame, options)
      }
    }
    const workers = Math.min(this.options.maxPushConcurrency, connections.length)
    await Promise.all(Array.from({ length: workers }, worker))
  }

  private async pushTo(connection: Connection, frame: Uint8Array, options: AbortOptions): Promise<void> {
    const signal = anySignal([this.shutdown.signal, options.signal], this.options.timeout)
    let stream: Stream | undefined
    try {
      stream = await connection.newStream(this.pushProtocol, {
        signal,
        maxOutboundStreams: this.options.maxPushOutgoingStreams,
        runOnLimitedConnection: this.options.runOnLimitedConnection,
      })
      await sendAll(stream, frame, { signal })
      await stream.close({ signal })
    } catch (err) {
      stream?.abort(err as Error)
      this.log('identify push to %p failed: %e', connection.remotePeer, err)
    } finally {
      signal.clear()
    }
  }

  private async acceptsPush(peer: PeerId, options: AbortOptions): Promise<boolean> {
    try {
      return (await this.components.peerStore.get(peer, options)).protocols.includes(this.pushProtocol)
    } catch {
      return false
    }
  }

  /** The `/ipfs/id/1.0.0` responder: write our Identify, close. */
  private async handleIdentify(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.shutdown.signal], this.options.timeout)
    try {
      const message: IdentifyMessage = await this.self.message()
      message.observedAddr = withoutPeerId(connection.remoteAddr, connection.remotePeer.toString()).bytes
      await sendAll(stream, encodeResponse(message, this.options.maxMessageSize), { signal })
      await stream.close({ signal })
    } catch (err) {
      this.log('answering identify from %p failed: %e', connection.remotePeer, err)
      stream.abort(err as Error)
    } finally {
      signal.clear()
    }
  }

  /** The `/ipfs/id/push/1.0.0` receiver: read the pushed Identify, apply it. */
  private async handlePush(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.shutdown.signal], this.options.timeout)
    try {
      const message = await readIdentify(stream, { ...this.limits(), signal })
      await stream.close({ signal })
      await this.consume(connection, message, 'push', signal)
    } catch (err) {
      this.log.error('identify push from %p rejected: %e', connection.remotePeer, err)
      stream.abort(err as Error)
    } finally {
      signal.clear()
    }
  }

  private async consume(
    connection: Connection,
    message: IdentifyMessage,
    kind: IdentifyKind,
    signal: AbortSignal,
  ): Promise<IdentifyResult> {
    const result = await consumeIdentify(connection, message, kind, {
      peerStore: this.components.peerStore,
      log: this.log,
      signal,
    })
    if (kind === 'identify' && result.observedAddr != null)
      this.addObservedAddr(result.observedAddr, connection)
    this.components.events.safeDispatchEvent('peer:identify', { detail: result })
    return result
  }

  private addObservedAddr(addr: Multiaddr, connection: Connection): void {
    const { addressManager } = this.components
    // a relay sees the relay's address, not ours; a relay that announced no
    // limit leaves `limits` unset, so the address says it too
    if (connection.limits != null || isRelayed(connection.remoteAddr)) return
    if (addressManager.addObservedAddr == null) return
    const held = new Set((addressManager.getObservedAddrs?.() ?? []).map(String))
    if (held.size >= this.options.maxObservedAddresses) return
    const key = addr.toString()
    if (held.has(key)) return
    // the address manager never drops an unconfirmed address but for a newer one,
    // and we stop reporting once it holds enough: so that peers on one address
    // cannot fill every slot with addresses of their choosing, each observer
    // address may hold one slot at a time
    const observer = observerKey(connection.remoteAddr)
    for (const [address, from] of this.observers) {
      if (!held.has(address)) this.observers.delete(address)
      else if (from === observer) return
    }
    try {
      addressManager.addObservedAddr(addr)
      this.observers.set(key, observer)
    } catch (err) {
      this.log('could not add observed address %a: %e', addr, err)
    }
  }

  private onConnectionOpen(evt: CustomEvent<Connection>): void {
    const connection = evt.detail
    if (!this.mayUse(connection)) return
    this.identify(connection).catch((err: Error) => {
      if (err.name === 'UnexpectedPeerError' || err.name === 'InvalidMessageError') {
        this.log.error('identify of %p on %s failed: %e', connection.remotePeer, connection.id, err)
      } else {
        this.log('identify of %p on %s failed: %e', connection.remotePeer, connection.id, err)
      }
    })
  }

  /** Our addresses or protocols changed: re-seal the record, push (throttled). */
  private onSelfUpdate(): void {
    this.self.invalidate()
    this.schedulePush()
  }

  private schedulePush(): void {
    if (this.pushTimer != null || !this.started) return
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined
      if (!this.started) return
      if (this.pushing != null) {
        // one push at a time; the running one may predate the change, so go again after it
        this.schedulePush()
        return
      }
      this.pushing = this.push({ signal: this.shutdown.signal })
        .catch((err: Error) => this.log('identify push failed: %e', err))
        .finally(() => {
          this.pushing = undefined
        })
    }, this.options.pushDebounce)
  }

  private mayUse(connection: Connection): boolean {
    return connection.limits == null || this.options.runOnLimitedConnection
  }

  private limits(): { maxMessageSize: number; maxProtocols: number; maxAddresses: number } {
    return {
      maxMessageSize: this.options.maxMessageSize,
      maxProtocols: MAX_PROTOCOLS,
      maxAddresses: MAX_ADDRESSES,
    }
  }
}

const CODE_IP4 = 4
const CODE_IP6 = 41
const CODE_P2P_CIRCUIT = 290

function isRelayed(address: Multiaddr): boolean {
  return address.getComponents().some((component) => component.code === CODE_P2P_CIRCUIT)
}

/** Who observed us, for the one-slot-per-observer rule: its IPv4 address or IPv6 /64, else the whole address. */
function observerKey(address: Multiaddr): string {
  const first = address.getComponents()[0]
  if (first?.value == null) return address.toString()
  if (first.code === CODE_IP4) return first.value
  if (first.code !== CODE_IP6) return address.toString()
  const [head = '', tail] = first.value.toLowerCase().split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail == null || tail === '' ? [] : tail.split(':')
  const groups = [
    ...left,
    ...Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0'),
    ...right,
  ]
  return `${groups.slice(0, 4).join(':')}::/64`
}
