/**
 * The resource manager's limits: what each scope may hold, and defaults
 * scaled to the machine.
 *
 * Resources: `memory` (bytes reserved for buffers), `fd` (file descriptors:
 * a TCP or WebSocket connection holds one), `connections` and `streams` (in
 * all) and their `…Inbound`/`…Outbound` parts. A limit is a count, or
 * `Infinity` for none.
 *
 * Defaults: the system may reserve 1/8 of the machine's memory (at least
 * 64 MiB, at most 2 GiB) and half the process's open-file limit (512 when it
 * cannot be read, a conservative figure for any Unix); connection and stream
 * counts grow with that memory budget. The other scopes take fractions of the
 * system's so that no single peer, protocol or not-yet-upgraded connection can
 * exhaust it.
 */

export const RESOURCES = [
  'memory',
  'fd',
  'connections',
  'connectionsInbound',
  'connectionsOutbound',
  'streams',
  'streamsInbound',
  'streamsOutbound',
] as const

export type Resource = (typeof RESOURCES)[number]

/** A scope's limit per resource (`Infinity`: unlimited). */
export type ScopeLimits = Record<Resource, number>

/** What a scope holds, per resource. */
export type ScopeUsage = Record<Resource, number>

/** How much of each resource one reservation takes (absent: none). */
export type ResourceDelta = Partial<Record<Resource, number>>

/** The kinds of scope, as named in `ResourceLimitError.scope` (peer and protocol scopes add `:<id>`). */
export type ScopeKind = 'system' | 'transient' | 'peer' | 'protocol' | 'connection' | 'stream'

/** The machine figures the defaults scale with. */
export interface MachineInfo {
  /** bytes of memory the machine has */
  totalMemory: number
  /** the process's open-file limit, when known */
  fileDescriptors?: number
}

/** Every scope's limits, resolved. */
export interface LimitSet {
  system: ScopeLimits
  transient: ScopeLimits
  /** each remote peer's scope */
  peer: ScopeLimits
  /**
   * each remote peer's share of the transient scope (`transient:<id>`): its
   * streams not yet negotiated, so one peer cannot fill the transient scope
   * and have every other peer's new streams refused
   */
  peerTransient: ScopeLimits
  /** each protocol's scope, unless `protocols` names it */
  protocol: ScopeLimits
  /** limits of their own for named protocols */
  protocols: ReadonlyMap<string, ScopeLimits>
  /** each connection's own scope */
  connection: ScopeLimits
  /** each stream's own scope */
  stream: ScopeLimits
}

const MiB = 1024 * 1024
const GiB = 1024 * MiB
/** used when the machine cannot tell (`ulimit -n` is 1024 or more on common systems) */
export const DEFAULT_FILE_DESCRIPTORS = 512

export function unlimited(): ScopeLimits {
  const limits = {} as ScopeLimits
  for (const resource of RESOURCES) limits[resource] = Number.POSITIVE_INFINITY
  return limits
}

/** A literal of one fixed shape: every connection and stream holds two of these, so they stay small. */
export function emptyUsage(): ScopeUsage {
  return {
    memory: 0,
    fd: 0,
    connections: 0,
    connectionsInbound: 0,
    connectionsOutbound: 0,
    streams: 0,
    streamsInbound: 0,
    streamsOutbound: 0,
  }
}

/** Every scope unlimited: the manager only counts (`resources: false`). */
export function unlimitedLimitSet(): LimitSet {
  return {
    system: unlimited(),
    transient: unlimited(),
    peer: unlimited(),
    peerTransient: unlimited(),
    protocol: unlimited(),
    protocols: new Map(),
    connection: unlimited(),
    stream: unlimited(),
  }
}

/** The default limits for a machine (pure: `machineInfo()` reads the real one). */
export function scaledLimits(machine: MachineInfo): LimitSet {
  const memory = Math.round(Math.min(2 * GiB, Math.max(64 * MiB, machine.totalMemory / 8)))
  const fd = Math.max(16, Math.floor((machine.fileDescriptors ?? DEFAULT_FILE_DESCRIPTORS * 2) / 2))
  const gib = memory / GiB
  // at least the connection manager's default maxConnections (300): the manager's policy
  // prunes first, the resource manager is the ceiling behind it
  const connections = Math.round(512 + 256 * gib)
  const streams = Math.round(4096 + 4096 * gib)
  return {
    system: {
      memory,
      fd,
      connections,
      connectionsInbound: connections,
      connectionsOutbound: connections,
      streams,
      streamsInbound: Math.ceil(streams / 2),
      streamsOutbound: streams,
    },
    transient: {
      memory: Math.round(memory / 16),
      fd: Math.max(4, Math.floor(fd / 4)),
      connections: 64,
      connectionsInbound: 32,
      connectionsOutbound: 64,
      streams: 8192,
      streamsInbound: 4096,
      streamsOutbound: 8192,
    },
    // One peer's streams not yet negotiated. Above a muxer's own limit per
    // connection (1024 in yamux and mplex), so a single connection's flood
    // meets the muxer first, which ends that connection; well below the
    // transient scope's, so neither one peer nor a few can fill it.
    peerTransient: {
      ...unlimited(),
      memory: Math.round(memory / 64),
      streams: 2048,
      streamsInbound: 1536,
      streamsOutbound: 2048,
    },
    // a peer's streams: above a muxer's per-connection limit (1024), which ends a flooding connection first
    peer: {
      memory: Math.round(memory / 8),
      fd: Math.max(4, Math.floor(fd / 16)),
      // a peer needs one connection, a few while dialing or punching; 64 leaves room for tools
      // and tests that open many between two hosts (identities are free: the per-address
      // limits of the connection manager are what holds a flood of them)
      connections: 64,
      connectionsInbound: 64,
      connectionsOutbound: 64,
      streams: 4096,
      streamsInbound: 2048,
      streamsOutbound: 4096,
    },
    protocol: {
      memory: Math.round(memory / 4),
      fd: Number.POSITIVE_INFINITY,
      connections: Number.POSITIVE_INFINITY,
      connectionsInbound: Number.POSITIVE_INFINITY,
      connectionsOutbound: Number.POSITIVE_INFINITY,
      streams: Math.ceil(streams / 2),
      streamsInbound: Math.ceil(streams / 4),
      streamsOutbound: Math.ceil(streams / 2),
    },
    protocols: new Map(),
    connection: { ...unlimited(), memory: 32 * MiB, fd: 1, connections: 1 },
    stream: { ...unlimited(), memory: 16 * MiB, streams: 1 },
  }
}

/**
 * The machine's memory and open-file limit, read through Node's built-in
 * modules when they exist (elsewhere: 4 GiB assumed and the fd default).
 */
export function machineInfo(): MachineInfo {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const os = process?.getBuiltinModule?.('node:os') as { totalmem?: () => number } | undefined
  const fs = process?.getBuiltinModule?.('node:fs') as
    | { readFileSync?: (path: string, encoding: 'utf8') => string }
    | undefined
  return {
    totalMemory: os?.totalmem?.() ?? 4 * GiB,
    fileDescriptors: readOpenFileLimit(fs?.readFileSync),
  }
}

/** The soft "Max open files" of /proc/self/limits (Linux), or undefined. */
function readOpenFileLimit(read?: (path: string, encoding: 'utf8') => string): number | undefined {
  if (read == null) return undefined
  try {
    const line = read('/proc/self/limits', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('Max open files'))
    const soft = Number(line?.split(/\s{2,}/)[1])
    return Number.isInteger(soft) && soft > 0 ? soft : undefined
  } catch {
    return undefined
  }
}
