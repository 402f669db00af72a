/**
 * The host's options, resolved: every default of the host's own parts is
 * written once here, each numeric option checked with @weft/utils' shared
 * checkers (a `RangeError` naming the option), and each part's constructor
 * takes the resolved config.
 */
import type { ConnectionEncrypter, NodeInfo, StreamMuxerFactory } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import type { AddressManagerInit } from './address-manager.js'
import type { AutoDialerInit } from './auto-dialer.js'
import type { ConnectionTimeoutsInit } from './connection.js'
import type { LadderInit } from './connection-ladder.js'
import { toMultiaddr } from './dial-target.js'
import type { DialerInit } from './dialer.js'
import { DEFAULT_ADDRESS_DIAL_DELAY } from './internal/happy-eyeballs.js'
import type { PeerDiscoveryInit } from './peer-discovery.js'
import type { RegistrarInit } from './registrar.js'
import {
  type LimitSet,
  type MachineInfo,
  machineInfo,
  RESOURCES,
  type Resource,
  type ScopeLimits,
  scaledLimits,
  unlimitedLimitSet,
} from './resource-manager/limits.js'
import type { ResourceManagerConfig } from './resource-manager/resource-manager.js'
import type { TransportManagerInit } from './transport-manager.js'
import type { UpgraderInit } from './upgrader.js'

export const VERSION = '0.1.0'

/** the low watermark: below it the auto-dialer dials known and discovered peers */
export const DEFAULT_MIN_CONNECTIONS = 10

export interface ConnectionManagerInit extends DialerInit, AutoDialerInit {
  /** open connections allowed (default 300) */
  maxConnections?: number
  /** inbound connections being upgraded at once (default 10) */
  maxIncomingPendingConnections?: number
  /**
   * inbound connections being upgraded at once from one remote IP address
   * (default 3; loopback counts like any other address, `Infinity` turns the
   * cap off)
   */
  maxIncomingPendingConnectionsPerAddress?: number
  /**
   * inbound relayed connections (circuit relay STOP) being upgraded at once
   * (default half of `maxIncomingPendingConnections`, at least 1)
   */
  maxIncomingPendingRelayedConnections?: number
  /**
   * ms between finding that a connection we dialed duplicates one the peer
   * dialed at the same time (duplicate-connections.ts) and closing it once it
   * carries no stream (default 500)
   */
  duplicateConnectionCloseDelay?: number
}

/** The connection manager's limits, resolved, with its dialer's and auto-dialer's. */
export interface ConnectionManagerConfig {
  maxConnections: number
  maxIncomingPendingConnections: number
  maxIncomingPendingPerAddress: number
  maxIncomingPendingRelayed: number
  duplicateConnectionCloseDelay: number
  dialer: DialerConfig
  autoDialer: AutoDialerConfig
}

export function resolveConnectionManagerConfig(init: ConnectionManagerInit = {}): ConnectionManagerConfig {
  const maxIncomingPendingConnections = checkInteger(
    'maxIncomingPendingConnections',
    init.maxIncomingPendingConnections ?? 10,
  )
  const maxIncomingPendingPerAddress = init.maxIncomingPendingConnectionsPerAddress ?? 3
  // `Infinity` turns the per-address cap off, so this one is not an integer check
  if (!(maxIncomingPendingPerAddress >= 1))
    throw new RangeError(
      `maxIncomingPendingConnectionsPerAddress must be at least 1, got ${maxIncomingPendingPerAddress}`,
    )
  const maxConnections = checkMaxConnections(init.maxConnections ?? 300)
  return {
    maxConnections,
    maxIncomingPendingConnections,
    maxIncomingPendingPerAddress,
    maxIncomingPendingRelayed: checkInteger(
      'maxIncomingPendingRelayedConnections',
      init.maxIncomingPendingRelayedConnections ?? Math.max(1, Math.floor(maxIncomingPendingConnections / 2)),
    ),
    duplicateConnectionCloseDelay: checkNonNegative(
      'duplicateConnectionCloseDelay',
      init.duplicateConnectionCloseDelay ?? 500,
    ),
    dialer: resolveDialerConfig(init),
    autoDialer: resolveAutoDialerConfig(init, maxConnections),
  }
}

/** `maxConnections` at construction and on `setMaxConnections`. */
export function checkMaxConnections(maxConnections: number): number {
  if (!(maxConnections >= 1)) throw new RangeError(`maxConnections must be at least 1, got ${maxConnections}`)
  return maxConnections
}

export interface DialerConfig {
  readonly dialTimeout: number
  readonly maxParallelDials: number
  readonly maxDialQueueLength: number
  readonly maxPeerAddrsToDial: number
  readonly maxDialsPerPeer: number
  readonly addressDialDelay: number
  readonly ladder: LadderConfig
}

export function resolveDialerConfig(init: DialerInit = {}): DialerConfig {
  return {
    dialTimeout: checkPositive('dialTimeout', init.dialTimeout ?? 5_000),
    maxParallelDials: checkInteger('maxParallelDials', init.maxParallelDials ?? 100, 1),
    maxDialQueueLength: checkInteger('maxDialQueueLength', init.maxDialQueueLength ?? 500),
    maxPeerAddrsToDial: checkInteger('maxPeerAddrsToDial', init.maxPeerAddrsToDial ?? 25, 1),
    maxDialsPerPeer: checkInteger('maxDialsPerPeer', init.maxDialsPerPeer ?? 4, 1),
    addressDialDelay: checkNonNegative(
      'addressDialDelay',
      init.addressDialDelay ?? DEFAULT_ADDRESS_DIAL_DELAY,
    ),
    ladder: resolveLadderConfig(init.ladder),
  }
}

/** One rung's options, resolved: off, or on with an optional order and timeout of its own. */
export interface RungConfig {
  readonly enabled: boolean
  readonly order?: number
  readonly timeout?: number
}

export interface LadderConfig {
  /** options by rung name; a rung not named runs with its own order and timeout */
  readonly rungs: ReadonlyMap<string, RungConfig>
  readonly stagger: number
  readonly rungTimeout: number
  readonly relayedWait: number
}

export function resolveLadderConfig(init: LadderInit = {}): LadderConfig {
  const rungs = new Map<string, RungConfig>()
  for (const [name, options] of Object.entries(init.rungs ?? {})) {
    if (options === false) {
      rungs.set(name, { enabled: false })
      continue
    }
    if (options.order != null && !Number.isFinite(options.order))
      throw new RangeError(`ladder.rungs.${name}.order must be a finite number, got ${options.order}`)
    rungs.set(name, {
      enabled: options.enabled ?? true,
      order: options.order,
      timeout:
        options.timeout == null ? undefined : checkPositive(`ladder.rungs.${name}.timeout`, options.timeout),
    })
  }
  return {
    rungs,
    stagger: checkNonNegative('ladder.stagger', init.stagger ?? 500),
    rungTimeout: checkPositive('ladder.rungTimeout', init.rungTimeout ?? 10_000),
    relayedWait: checkNonNegative('ladder.relayedWait', init.relayedWait ?? 2_000),
  }
}

export interface AutoDialerConfig {
  /** 0 turns auto-dial off; never above the connection manager's `maxConnections` */
  readonly minConnections: number
  readonly interval: number
  readonly concurrency: number
  readonly retryDelay: number
  readonly maxRetryDelay: number
}

/** `minConnections` is capped at `maxConnections`: the low watermark never exceeds the high one. */
export function resolveAutoDialerConfig(
  init: AutoDialerInit = {},
  maxConnections = Number.POSITIVE_INFINITY,
): AutoDialerConfig {
  const minConnections = checkInteger('minConnections', init.minConnections ?? DEFAULT_MIN_CONNECTIONS)
  return {
    minConnections: Math.min(minConnections, maxConnections),
    interval: checkPositive('autoDialInterval', init.autoDialInterval ?? 10_000),
    concurrency: checkInteger('autoDialConcurrency', init.autoDialConcurrency ?? 2, 1),
    retryDelay: checkNonNegative('autoDialRetryDelay', init.autoDialRetryDelay ?? 10_000),
    maxRetryDelay: checkNonNegative('autoDialMaxRetryDelay', init.autoDialMaxRetryDelay ?? 5 * 60_000),
  }
}

/** What every connection of a host shares: its timeouts. */
export interface ConnectionConfig {
  readonly inboundNegotiationTimeout: number
  readonly outboundNegotiationTimeout: number
  readonly closeTimeout: number
}

export function resolveConnectionConfig(init: ConnectionTimeoutsInit = {}): ConnectionConfig {
  return {
    inboundNegotiationTimeout: checkPositive(
      'inboundStreamProtocolNegotiationTimeout',
      init.inboundStreamProtocolNegotiationTimeout ?? 10_000,
    ),
    outboundNegotiationTimeout: checkPositive(
      'outboundStreamProtocolNegotiationTimeout',
      init.outboundStreamProtocolNegotiationTimeout ?? 10_000,
    ),
    closeTimeout: checkPositive('closeTimeout', init.closeTimeout ?? 2_000),
  }
}

export interface UpgraderConfig {
  readonly connectionEncrypters: readonly ConnectionEncrypter[]
  readonly streamMuxers: readonly StreamMuxerFactory[]
  readonly inboundUpgradeTimeout: number
  /** handed to every connection the upgrader makes */
  readonly connection: ConnectionConfig
}

export function resolveUpgraderConfig(init: UpgraderInit = {}): UpgraderConfig {
  return {
    connectionEncrypters: init.connectionEncrypters ?? [],
    streamMuxers: init.streamMuxers ?? [],
    inboundUpgradeTimeout: checkPositive('inboundUpgradeTimeout', init.inboundUpgradeTimeout ?? 3_000),
    connection: resolveConnectionConfig(init),
  }
}

export interface RegistrarConfig {
  readonly maxHandlers: number
  readonly maxTopologies: number
}

export function resolveRegistrarConfig(init: RegistrarInit = {}): RegistrarConfig {
  return {
    maxHandlers: checkInteger('maxHandlers', init.maxHandlers ?? 1024, 1),
    maxTopologies: checkInteger('maxTopologies', init.maxTopologies ?? 1024, 1),
  }
}

export interface TransportManagerConfig {
  readonly listen: readonly Multiaddr[]
  readonly listenerCloseTimeout: number
}

export function resolveTransportManagerConfig(init: TransportManagerInit = {}): TransportManagerConfig {
  return {
    listen: init.listen ?? [],
    listenerCloseTimeout: checkNonNegative('listenerCloseTimeout', init.listenerCloseTimeout ?? 5_000),
  }
}

export interface AddressManagerConfig {
  readonly announce: readonly Multiaddr[]
  readonly appendAnnounce: readonly Multiaddr[]
  readonly noAnnounce: readonly Multiaddr[]
  readonly announceFilter: (addresses: Multiaddr[]) => Multiaddr[]
  readonly maxObservedAddresses: number
}

/** Parses the address strings (`InvalidMultiaddrError` for one that spells no multiaddr). */
export function resolveAddressManagerConfig(init: AddressManagerInit = {}): AddressManagerConfig {
  return {
    announce: (init.announce ?? []).map(toMultiaddr),
    appendAnnounce: (init.appendAnnounce ?? []).map(toMultiaddr),
    noAnnounce: (init.noAnnounce ?? []).map(toMultiaddr),
    announceFilter: init.announceFilter ?? ((addresses) => addresses),
    maxObservedAddresses: checkInteger('maxObservedAddresses', init.maxObservedAddresses ?? 20),
  }
}

export interface PeerDiscoveryConfig {
  readonly maxAddresses: number
  readonly maxPending: number
}

export function resolvePeerDiscoveryConfig(init: PeerDiscoveryInit = {}): PeerDiscoveryConfig {
  return {
    maxAddresses: checkInteger('maxAddresses', init.maxAddresses ?? 64),
    maxPending: checkInteger('maxPending', init.maxPending ?? 256, 1),
  }
}

/** The node info the host announces, defaulting to `weft/<VERSION> node/<node version>`. */
export function resolveNodeInfo(init?: Partial<NodeInfo>): NodeInfo {
  const name = init?.name ?? 'weft'
  const version = init?.version ?? VERSION
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node
  return {
    name,
    version,
    userAgent: init?.userAgent ?? `${name}/${version}${node == null ? '' : ` node/${node}`}`,
  }
}

/** Limits for one scope; a resource not named keeps its default, `Infinity` lifts it. */
export type ScopeLimitsInit = Partial<Record<Resource, number>>

/** `createHost({ resources })`: the resource manager's limits (defaults scaled to the machine, limits.ts). */
export interface ResourceManagerInit {
  system?: ScopeLimitsInit
  /** connections not yet secured, streams whose protocol is not yet agreed */
  transient?: ScopeLimitsInit
  /** each remote peer */
  peer?: ScopeLimitsInit
  /** each remote peer's streams not yet negotiated (its share of `transient`) */
  peerTransient?: ScopeLimitsInit
  /** each protocol, unless `protocols` names it */
  protocol?: ScopeLimitsInit
  /** limits of their own, by protocol id */
  protocols?: Record<string, ScopeLimitsInit>
  /** each connection's own scope (`memory` its muxer and encrypter may reserve) */
  connection?: ScopeLimitsInit
  /** each stream's own scope */
  stream?: ScopeLimitsInit
  /** bytes each connection reserves for the host's own buffers (default 64 KiB) */
  connectionMemory?: number
  /** bytes each stream reserves for the host's own buffers (default 4 KiB) */
  streamMemory?: number
  /** the machine the defaults scale with (default: this one, `os.totalmem()` and the open-file limit) */
  machine?: MachineInfo
}

/** `false` (or `'unlimited'`): every limit lifted; the manager still counts, for metrics. */
export function resolveResourceManagerConfig(
  init: ResourceManagerInit | false | 'unlimited' = {},
): ResourceManagerConfig {
  if (init === false || init === 'unlimited')
    return { limits: unlimitedLimitSet(), connectionMemory: 0, streamMemory: 0 }
  const machine = init.machine ?? machineInfo()
  checkPositive('resources.machine.totalMemory', machine.totalMemory)
  if (machine.fileDescriptors != null)
    checkInteger('resources.machine.fileDescriptors', machine.fileDescriptors, 1)
  const defaults = scaledLimits(machine)
  const protocols = new Map<string, ScopeLimits>()
  for (const [protocol, limits] of Object.entries(init.protocols ?? {}))
    protocols.set(protocol, mergeLimits(`resources.protocols[${protocol}]`, defaults.protocol, limits))
  const limits: LimitSet = {
    system: mergeLimits('resources.system', defaults.system, init.system),
    transient: mergeLimits('resources.transient', defaults.transient, init.transient),
    peer: mergeLimits('resources.peer', defaults.peer, init.peer),
    peerTransient: mergeLimits('resources.peerTransient', defaults.peerTransient, init.peerTransient),
    protocol: mergeLimits('resources.protocol', defaults.protocol, init.protocol),
    protocols,
    connection: mergeLimits('resources.connection', defaults.connection, init.connection),
    stream: mergeLimits('resources.stream', defaults.stream, init.stream),
  }
  return {
    limits,
    connectionMemory: checkInteger('resources.connectionMemory', init.connectionMemory ?? 64 * 1024),
    streamMemory: checkInteger('resources.streamMemory', init.streamMemory ?? 4 * 1024),
  }
}

function mergeLimits(name: string, defaults: ScopeLimits, init: ScopeLimitsInit = {}): ScopeLimits {
  const limits = { ...defaults }
  for (const [resource, value] of Object.entries(init) as Array<[string, number | undefined]>) {
    if (!(RESOURCES as readonly string[]).includes(resource))
      throw new RangeError(`${name}.${resource} is not a resource (${RESOURCES.join(', ')})`)
    if (value == null) continue
    limits[resource as Resource] =
      value === Number.POSITIVE_INFINITY ? value : checkInteger(`${name}.${resource}`, value)
  }
  return limits
}
