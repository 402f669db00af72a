/**
 * NAT behaviour discovery (RFC 5780 §4) against a server that returns
 * OTHER-ADDRESS, plus P2PD's port-allocation measurement, giving one
 * `NatReport` in both vocabularies. The decisions are the plain functions
 * of `classify.ts`; this file only runs the probes.
 *
 * Order: test I, then the filtering tests (II: change IP and port, III:
 * change port), then the mapping tests (II: alternate IP, III: alternate IP
 * and port), all from one socket, so the alternate IP has never been
 * contacted while filtering is measured; then hairpinning (a request to our
 * own mapped address), then `allocationSamples` fresh sockets, each to the
 * next of the server's four endpoints.
 */
import { networkInterfaces } from 'node:os'
import { delay, throwIfAborted } from '@weft/utils'
import type { TransportAddress } from './attributes.js'
import {
  type AllocationResult,
  type Behaviour,
  type ClassicNatType,
  classicType,
  filteringBehaviour,
  mappingBehaviour,
  type PortSample,
  portAllocation,
} from './classify.js'
import { MissingOtherAddressError, TransactionTimeoutError } from './errors.js'
import { findAttribute } from './message.js'
import type { RetransmissionInit } from './transaction.js'
import { type Endpoint, openUdpClient, type Response, type UdpClient } from './udp-client.js'

export interface DiscoveryOptions extends RetransmissionInit {
  /** the primary address of an RFC 5780 STUN server (configured, never built in) */
  server: Endpoint
  /** run on this client (the host's socket); otherwise a fresh socket is used and closed */
  client?: UdpClient
  /** address family of fresh sockets (4) */
  family?: 4 | 6
  /** how long the hairpinning request may take to come back, ms (1000) */
  hairpinTimeout?: number
  /** fresh sockets used to measure port allocation (5; 0 skips it; at most 16) */
  allocationSamples?: number
  /** the host's own IPs, to tell "no NAT" (every interface address) */
  localAddresses?: readonly string[]
  signal?: AbortSignal
}

export interface NatReport {
  /** test I answered */
  reachable: boolean
  /** the address the server saw test I come from */
  mappedAddress?: TransportAddress
  localPort?: number
  /** the server's alternate address (OTHER-ADDRESS) */
  otherAddress?: TransportAddress
  /** the mapped address is not the host's own */
  natted?: boolean
  mapping?: Behaviour
  filtering?: Behaviour
  /** a request to our own mapped address came back to us */
  hairpinning?: boolean
  classic: ClassicNatType
  allocation?: AllocationResult['allocation']
  /** see `AllocationResult.delta` */
  delta?: number
  /** see `AllocationResult.collisions`: samples whose port a port-preserving NAT could not keep */
  collisions?: number
  samples: PortSample[]
}

/** Binding-request timing for each probe: sends at 0, 250, 750 ms, fails at 1750 ms. */
export const DISCOVERY_TIMING: Required<RetransmissionInit> = {
  rto: 250,
  maxRequests: 3,
  lastWaitMultiplier: 4,
}

function localIps(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) =>
    (entries ?? []).map((entry) => entry.address),
  )
}

function timing(options: DiscoveryOptions): Required<RetransmissionInit> {
  return {
    rto: options.rto ?? DISCOVERY_TIMING.rto,
    maxRequests: options.maxRequests ?? DISCOVERY_TIMING.maxRequests,
    lastWaitMultiplier: options.lastWaitMultiplier ?? DISCOVERY_TIMING.lastWaitMultiplier,
  }
}

/** A response, or undefined when the transaction timed out (a dropped answer is an observation here). */
async function attempt(
  client: UdpClient,
  server: Endpoint,
  options: DiscoveryOptions,
  attributes: Parameters<UdpClient['request']>[1] = {},
): Promise<Response | undefined> {
  try {
    return await client.request(server, { ...timing(options), ...attributes, signal: options.signal })
  } catch (err) {
    if (err instanceof TransactionTimeoutError) return undefined
    throw err
  }
}

/** Runs the whole discovery; see the file comment for the order. */
export async function discoverNat(options: DiscoveryOptions): Promise<NatReport> {
  throwIfAborted(options.signal)
  const samplesWanted = options.allocationSamples ?? 5
  if (!Number.isInteger(samplesWanted) || samplesWanted < 0 || samplesWanted > 16)
    throw new RangeError(`allocationSamples must be 0..16, got ${samplesWanted}`)
  const client = options.client ?? (await openUdpClient({ family: options.family, signal: options.signal }))
  try {
    const { server } = options
    const localPort = client.socket.address().port
    const first = await attempt(client, server, options)
    if (first?.mapped == null) return { reachable: first != null, classic: 'blocked', samples: [], localPort }
    const mappedAddress = first.mapped
    const local = options.localAddresses ?? localIps()
    const natted = !(mappedAddress.port === localPort && local.includes(mappedAddress.address))
    const otherAddress = findAttribute(first.message, 'other-address')?.value
    if (otherAddress == null) throw new MissingOtherAddressError(`${server.address}:${server.port}`)

    const changeBoth = await attempt(client, server, options, {
      attributes: [{ type: 'change-request', changeIp: true, changePort: true }],
    })
    const changePort =
      changeBoth == null
        ? await attempt(client, server, options, {
            attributes: [{ type: 'change-request', changeIp: false, changePort: true }],
          })
        : undefined
    const filtering = filteringBehaviour(changeBoth != null, changePort != null)

    const second = await attempt(client, { address: otherAddress.address, port: server.port }, options)
    const third =
      second?.mapped != null &&
      (second.mapped.address !== mappedAddress.address || second.mapped.port !== mappedAddress.port)
        ? await attempt(client, { address: otherAddress.address, port: otherAddress.port }, options)
        : undefined
    const mapping = mappingBehaviour(mappedAddress, second?.mapped, third?.mapped)

    const hairpinId = client.sendRequest(mappedAddress)
    const hairpin = await client.waitFor(hairpinId, options.hairpinTimeout ?? 1_000, options)
    const hairpinning = hairpin?.message.class === 'request'

    const endpoints: Endpoint[] = [
      server,
      { address: otherAddress.address, port: server.port },
      { address: server.address, port: otherAddress.port },
      { address: otherAddress.address, port: otherAddress.port },
    ]
    const samples: PortSample[] = []
    for (let i = 0; i < samplesWanted; i++) {
      const probe = await openUdpClient({ family: options.family, signal: options.signal })
      try {
        const response = await attempt(probe, endpoints[i % endpoints.length]!, options)
        if (response?.mapped != null)
          samples.push({ localPort: probe.socket.address().port, mappedPort: response.mapped.port })
      } finally {
        probe.close()
      }
    }
    const allocation = samples.length >= 2 ? portAllocation(samples) : undefined
    return {
      reachable: true,
      mappedAddress,
      localPort,
      otherAddress,
      natted,
      mapping,
      filtering,
      hairpinning,
      classic: classicType(natted, mapping, filtering),
      allocation: allocation?.allocation,
      delta: allocation?.delta,
      collisions: allocation?.collisions,
      samples,
    }
  } finally {
    if (options.client == null) client.close()
  }
}

export interface LifetimeOptions {
  server: Endpoint
  /** the longest idle time tried, ms */
  max: number
  /** the shortest idle time tried, ms (max / 8); each next one doubles */
  initial?: number
  family?: 4 | 6
  signal?: AbortSignal
}

export interface LifetimeEstimate {
  /** the longest idle time after which the mapping still worked, ms (0: none tried worked) */
  atLeast: number
  /** the shortest idle time after which it had gone, ms; undefined when it outlived `max` */
  below?: number
}

/**
 * Estimates how long an idle UDP mapping lives (RFC 5780 §4.6), within
 * `max` ms of wall time: for each idle time t (initial, 2·initial, … ≤
 * max), all in parallel, socket X learns its mapping, stays silent for t,
 * then socket Y asks the server to answer to X's mapped port
 * (RESPONSE-PORT); X hearing it means the mapping was still there.
 */
export async function estimateMappingLifetime(options: LifetimeOptions): Promise<LifetimeEstimate> {
  const initial = options.initial ?? options.max / 8
  if (!(initial > 0) || !(options.max >= initial)) throw new RangeError('need 0 < initial <= max')
  const waits: number[] = []
  for (let t = initial; t <= options.max && waits.length < 16; t *= 2) waits.push(t)
  const results = await Promise.all(
    waits.map(async (wait) => {
      const x = await openUdpClient({ family: options.family, signal: options.signal })
      const y = await openUdpClient({ family: options.family, signal: options.signal })
      try {
        const first = await x.request(options.server, { ...DISCOVERY_TIMING, signal: options.signal })
        if (first.mapped == null) return false
        const port = first.mapped.port
        await delay(wait, options)
        const id = y.sendRequest(options.server, [{ type: 'response-port', port }])
        const heard = await x.waitFor(id, 1_000, options)
        return heard != null
      } finally {
        x.close()
        y.close()
      }
    }),
  )
  let atLeast = 0
  for (let i = 0; i < waits.length; i++) {
    if (!results[i]) return { atLeast, below: waits[i] }
    atLeast = waits[i]!
  }
  return { atLeast }
}
