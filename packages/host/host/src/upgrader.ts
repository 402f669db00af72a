/**
 * The upgrader (@libp2p/interface `Upgrader`) turns a raw transport
 * connection into a `Connection`, in four steps read top to bottom in
 * `upgrade()`:
 *
 *   1. the connection gater may refuse the connection;
 *   2. encryption: multistream-select picks an encrypter (optimistically on
 *      the dialer side, so one configured encrypter costs no round trip), then
 *      `secureOutbound`/`secureInbound`, checking the expected peer id;
 *   3. muxing: the muxer the encrypter agreed in its handshake (Noise
 *      extensions), else multistream-select over the secured channel;
 *   4. wrap into a `Connection` and dispatch `connection:open`.
 *
 * The upgrader owns the end of a failed upgrade: `upgradeInbound` bounds an
 * inbound upgrade by `inboundUpgradeTimeout` (the only place that timeout is
 * applied) after the connection manager's admission check, and `failed()`
 * aborts the transport connection of any upgrade that fails, in either
 * direction (the only place that happens). Transports and encrypters hand the
 * connection over and leave it alone on failure; aborting twice is harmless.
 */
import {
  type ClearableSignal,
  type ComponentLogger,
  type ConnectionEncrypter,
  type ConnectionGater,
  type Connection as ConnectionInterface,
  type Libp2pEvents,
  type Logger,
  type MessageStream,
  type MultiaddrConnection,
  type PeerId,
  type StreamMuxerFactory,
  setMaxListeners,
  type TypedEventTarget,
  UnexpectedPeerError,
  type Upgrader as UpgraderInterface,
  type UpgraderOptions,
  type UpgraderWithoutEncryptionOptions,
} from '@libp2p/interface'
import { handle, select } from '@weft/multistream'
import { anySignal, raceSignal, reportProgress, throwIfAborted, wrapUpgrader } from '@weft/utils'
import type { ConnectionManager, Registrar } from './components.js'
import { resolveUpgraderConfig, type UpgraderConfig } from './config.js'
import { Connection, type ConnectionTimeoutsInit } from './connection.js'
import {
  ConnectionDeniedError,
  EncryptionFailedError,
  InvalidParametersError,
  MuxerUnavailableError,
  SelfDialError,
  TooManyConnectionsError,
} from './errors.js'
import { peerIdFromAddress } from './internal/addresses.js'
import { holdsFileDescriptor } from './resource-manager/attach.js'
import type { ConnectionScope, ResourceManager } from './resource-manager/resource-manager.js'

export interface UpgraderComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  registrar: Pick<Registrar, 'getProtocols' | 'getHandler' | 'getMiddleware'>
  connectionGater: ConnectionGater
  connectionManager: Pick<ConnectionManager, 'acceptIncomingConnection' | 'afterUpgradeInbound'>
  /** when given, every connection reserves its place (and each stream its own) before it is upgraded */
  resourceManager?: Pick<ResourceManager, 'openConnection' | 'openStream' | 'bind'>
}

export interface UpgraderInit extends ConnectionTimeoutsInit {
  connectionEncrypters?: ConnectionEncrypter[]
  streamMuxers?: StreamMuxerFactory[]
  /** ms an inbound connection may take to be secured and multiplexed (default 3 000) */
  inboundUpgradeTimeout?: number
}

/** Options the upgrader accepts beyond the interface's: the peer a dial expects. */
export interface OutboundUpgradeOptions extends UpgraderOptions {
  remotePeer?: PeerId
}

type Direction = 'inbound' | 'outbound'
type AnyUpgraderOptions = (UpgraderOptions | (UpgraderWithoutEncryptionOptions & { encryption?: string })) & {
  remotePeer?: PeerId
}

export class Upgrader implements UpgraderInterface {
  private readonly encrypters = new Map<string, ConnectionEncrypter>()
  private readonly muxers = new Map<string, StreamMuxerFactory>()
  private readonly log: Logger

  constructor(
    private readonly components: UpgraderComponents,
    private readonly config: UpgraderConfig = resolveUpgraderConfig(),
  ) {
    this.log = components.logger.forComponent('weft:upgrader')
    for (const encrypter of config.connectionEncrypters) {
      if (this.encrypters.has(encrypter.protocol)) {
        throw new InvalidParametersError(`an encrypter for ${encrypter.protocol} is already configured`)
      }
      this.encrypters.set(encrypter.protocol, encrypter)
    }
    for (const muxer of config.streamMuxers) this.muxers.set(muxer.protocol, muxer)
  }

  getConnectionEncrypters(): Map<string, ConnectionEncrypter> {
    return this.encrypters
  }

  getStreamMuxers(): Map<string, StreamMuxerFactory> {
    return this.muxers
  }

  /**
   * `signal`, bounded by `inboundUpgradeTimeout`. `upgradeInbound` applies it
   * itself; a transport calls this only to bound work of its own before it
   * hands the connection over (`@libp2p/interface`).
   */
  createInboundAbortSignal(signal: AbortSignal | undefined): ClearableSignal {
    const combined = anySignal([signal], this.config.inboundUpgradeTimeout)
    setMaxListeners(Number.POSITIVE_INFINITY, combined)
    return combined
  }

  /** An upgrader for one dial: outbound upgrades must reach `remotePeer`. */
  forRemotePeer(remotePeer: PeerId | undefined): UpgraderInterface {
    if (remotePeer == null) return this
    return wrapUpgrader(this, async (maConn, opts) => this.upgradeOutbound(maConn, { remotePeer, ...opts }))
  }

  async upgradeOutbound(maConn: MultiaddrConnection, opts: AnyUpgraderOptions): Promise<ConnectionInterface> {
    let scope: ConnectionScope | undefined
    try {
      scope = this.reserveConnection(maConn, 'outbound')
      const remotePeer = opts.remotePeer ?? peerIdFromAddress(maConn.remoteAddr)
      return await raceSignal(this.upgrade(maConn, 'outbound', opts, remotePeer, scope), opts.signal)
    } catch (err) {
      scope?.done()
      throw this.failed(maConn, 'outbound', err as Error)
    }
  }

  async upgradeInbound(maConn: MultiaddrConnection, opts: AnyUpgraderOptions): Promise<void> {
    const { connectionManager } = this.components
    const signal = this.createInboundAbortSignal(opts.signal)
    let admitted = false
    let scope: ConnectionScope | undefined
    try {
      admitted = connectionManager.acceptIncomingConnection(maConn)
      if (!admitted) {
        throw new TooManyConnectionsError(`refused inbound connection from ${maConn.remoteAddr.toString()}`)
      }
      // a full system, transient or peer scope refuses it here (ResourceLimitError, counted)
      scope = this.reserveConnection(maConn, 'inbound')
      await raceSignal(this.upgrade(maConn, 'inbound', { ...opts, signal }, opts.remotePeer, scope), signal)
    } catch (err) {
      scope?.done()
      throw this.failed(maConn, 'inbound', err as Error)
    } finally {
      signal.clear()
      if (admitted) connectionManager.afterUpgradeInbound(maConn)
    }
  }

  /** The connection's span in the resource manager (none without one); throws `ResourceLimitError`. */
  private reserveConnection(maConn: MultiaddrConnection, direction: Direction): ConnectionScope | undefined {
    const scope = this.components.resourceManager?.openConnection(direction, {
      fd: holdsFileDescriptor(maConn.remoteAddr),
    })
    if (scope != null) this.components.resourceManager?.bind(scope, maConn)
    return scope
  }

  /** Ends the transport connection of a failed upgrade and hands back the error to rethrow. */
  private failed(maConn: MultiaddrConnection, direction: Direction, err: Error): Error {
    maConn.log('%s upgrade failed: %s', direction, err.message)
    maConn.abort(err)
    return err
  }

  private async upgrade(
    maConn: MultiaddrConnection,
    direction: Direction,
    opts: AnyUpgraderOptions,
    expectedPeer: PeerId | undefined,
    scope?: ConnectionScope,
  ): Promise<ConnectionInterface> {
    const initiator = opts.initiator ?? direction === 'outbound'
    const signal = opts.signal

    // 1. may this connection exist at all?
    await this.gate(direction, 'Connection', expectedPeer, maConn)

    // 2. encryption
    let secured: MessageStream = maConn
    let remotePeer: PeerId
    let encryption: string | undefined
    let muxerFactory = opts.muxerFactory
    if ('skipEncryption' in opts && opts.skipEncryption === true) {
      if (opts.remotePeer == null) throw new InvalidParametersError('skipEncryption needs remotePeer')
      remotePeer = opts.remotePeer
      // a transport that secures itself names what it ran (QUIC: '/tls/1.0.0')
      encryption = opts.encryption
    } else {
      reportProgress(opts, `upgrader:encrypt-${direction}-connection`)
      const result = await this.encrypt(maConn, initiator, expectedPeer, signal, muxerFactory != null)
      secured = result.connection
      remotePeer = result.remotePeer
      encryption = result.protocol
      muxerFactory ??= result.streamMuxer
    }
    if (remotePeer.equals(this.components.peerId)) {
      throw new SelfDialError(`the remote end of ${maConn.remoteAddr.toString()} has our own peer id`)
    }
    await this.gate(direction, 'EncryptedConnection', remotePeer, maConn)
    // the peer is known: its scope takes the connection from the transient one (or refuses it)
    scope?.setPeer(remotePeer)
    if (scope != null) this.components.resourceManager?.bind(scope, secured)

    // 3. multiplexing
    if (muxerFactory == null) {
      reportProgress(opts, `upgrader:multiplex-${direction}-connection`)
      muxerFactory = await this.negotiateMuxer(secured, initiator, signal, maConn.log)
    }
    await this.gate(direction, 'UpgradedConnection', remotePeer, maConn)

    // 4. the connection (unless the upgrade was cut short meanwhile)
    throwIfAborted(signal)
    const connection = new Connection(this.components, {
      maConn,
      secured,
      muxer: muxerFactory.createStreamMuxer(secured),
      remotePeer,
      direction,
      encryption,
      multiplexer: muxerFactory.protocol,
      limits: opts.limits,
      config: this.config.connection,
      resourceScope: scope,
    })
    if (scope != null) this.components.resourceManager?.bind(scope, connection)
    const { events } = this.components
    connection.addEventListener(
      'close',
      () => events.safeDispatchEvent('connection:close', { detail: connection }),
      {
        once: true,
      },
    )
    connection.log(
      'upgraded %s %s with %s and %s',
      direction,
      remotePeer.toString(),
      encryption,
      connection.multiplexer,
    )
    events.safeDispatchEvent('connection:open', { detail: connection })
    return connection
  }

  private async encrypt(
    maConn: MultiaddrConnection,
    initiator: boolean,
    remotePeer: PeerId | undefined,
    signal: AbortSignal,
    skipStreamMuxerNegotiation: boolean,
  ): Promise<{
    connection: MessageStream
    remotePeer: PeerId
    protocol: string
    streamMuxer?: StreamMuxerFactory
  }> {
    const protocols = [...this.encrypters.keys()]
    if (protocols.length === 0) throw new EncryptionFailedError('no connection encrypters are configured')
    const protocol = initiator
      ? await select(maConn, protocols, { signal, negotiateFully: false, log: maConn.log })
      : await handle(maConn, protocols, { signal, log: maConn.log })
    const encrypter = this.encrypters.get(protocol)
    if (encrypter == null) throw new EncryptionFailedError(`negotiated ${protocol}, which is not configured`)
    const options = { remotePeer, signal, skipStreamMuxerNegotiation }
    const result = initiator
      ? await encrypter.secureOutbound(maConn, options)
      : await encrypter.secureInbound(maConn, options)
    if (remotePeer != null && !result.remotePeer.equals(remotePeer)) {
      throw new UnexpectedPeerError(
        `expected peer ${remotePeer.toString()}, the remote proved ${result.remotePeer.toString()}`,
      )
    }
    return {
      connection: result.connection,
      remotePeer: result.remotePeer,
      protocol,
      streamMuxer: result.streamMuxer,
    }
  }

  private async negotiateMuxer(
    secured: MessageStream,
    initiator: boolean,
    signal: AbortSignal,
    log: Logger,
  ): Promise<StreamMuxerFactory> {
    const protocols = [...this.muxers.keys()]
    if (protocols.length === 0) throw new MuxerUnavailableError('no stream muxers are configured')
    const protocol = initiator
      ? await select(secured, protocols, { signal, negotiateFully: true, log })
      : await handle(secured, protocols, { signal, log })
    const muxer = this.muxers.get(protocol)
    if (muxer == null) throw new MuxerUnavailableError(`negotiated ${protocol}, which is not configured`)
    return muxer
  }

  /** Asks the connection gater's `deny{Inbound,Outbound}<stage>` hook; throws when it denies. */
  private async gate(
    direction: Direction,
    stage: 'Connection' | 'EncryptedConnection' | 'UpgradedConnection',
    remotePeer: PeerId | undefined,
    maConn: MultiaddrConnection,
  ): Promise<void> {
    const gater = this.components.connectionGater
    let denied = false
    if (stage === 'Connection') {
      if (direction === 'inbound') denied = (await gater.denyInboundConnection?.(maConn)) === true
      else if (remotePeer != null)
        denied = (await gater.denyOutboundConnection?.(remotePeer, maConn)) === true
    } else if (remotePeer != null) {
      const hook =
        direction === 'inbound'
          ? stage === 'EncryptedConnection'
            ? gater.denyInboundEncryptedConnection
            : gater.denyInboundUpgradedConnection
          : stage === 'EncryptedConnection'
            ? gater.denyOutboundEncryptedConnection
            : gater.denyOutboundUpgradedConnection
      denied = (await hook?.call(gater, remotePeer, maConn)) === true
    }
    if (denied) {
      this.log('gater denied %s %s from %s', direction, stage, maConn.remoteAddr.toString())
      throw new ConnectionDeniedError(
        `the connection gater denied the ${direction} ${stage.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${maConn.remoteAddr.toString()}`,
      )
    }
  }
}
