/**
 * Finding the app's peers through the BitTorrent Mainline DHT: the app's name
 * is a topic (an infohash, see @weft/mainline-dht's `mainline()` service),
 * which the playground announces and looks up in rounds. Peers found are
 * dialled by their peer id, so the host's connection ladder (direct, hole
 * punching, relay) picks the path. Rounds come often at first and back off
 * while nothing new turns up; each dials a few peers at most; `stop()` ends
 * the loop and waits for a round in flight.
 */
import { isIP } from 'node:net'
import type { PeerId, PeerInfo } from '@libp2p/interface'
import type { Address } from '@weft/mainline-dht'
import type { PlaygroundHost } from './host-config.js'
import type { MainlineOptions } from './options.js'

/** The longest delay a Node timer takes (a longer one fires at once). */
export const MAX_TIMER = 2 ** 31 - 1
export const MAX_DIALS_PER_ROUND = 64

export interface ResolvedMainline {
  bootstrap: Address[]
  host: string
  port: number
  nodesPerIp: number
  lookupInterval: number
  maxLookupInterval: number
  maxDialsPerRound: number
}

/** `host:port`, IPv6 in brackets (`[::1]:6881`), as a UDP endpoint; `TypeError` when it is not one. */
export function parseEndpoint(text: string): Address {
  const match =
    typeof text === 'string' ? /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text) : null
  const host = match?.[1] ?? match?.[2]
  const port = Number(match?.[3])
  if (host == null || !(port >= 1 && port <= 65_535) || (match?.[1] != null && isIP(host) !== 6)) {
    throw new TypeError(
      `a Mainline bootstrap node is host:port (IPv6 as [addr]:port); got ${JSON.stringify(text)}`,
    )
  }
  return { host, port }
}

function positive(name: string, value: number | undefined, fallback: number, max: number): number {
  const chosen = value ?? fallback
  if (!Number.isSafeInteger(chosen) || chosen < 1 || chosen > max)
    throw new RangeError(`mainline.${name} is 1 to ${max}; got ${chosen}`)
  return chosen
}

/** The option with its defaults; throws on a bad value before anything starts. */
export function resolveMainline(options: MainlineOptions): ResolvedMainline {
  // no default list: the DHT contacts only the nodes the caller names
  if (!Array.isArray(options.bootstrap) || options.bootstrap.length === 0)
    throw new TypeError('mainline.bootstrap names at least one DHT node (host:port)')
  const lookupInterval = positive('lookupInterval', options.lookupInterval, 1_000, MAX_TIMER)
  return {
    bootstrap: options.bootstrap.map(parseEndpoint),
    host: options.host ?? '0.0.0.0',
    port: options.port ?? 0,
    nodesPerIp: positive('nodesPerIp', options.nodesPerIp, 1, 1024),
    lookupInterval,
    maxLookupInterval: positive(
      'maxLookupInterval',
      options.maxLookupInterval,
      Math.max(lookupInterval, 5 * 60_000),
      MAX_TIMER,
    ),
    maxDialsPerRound: positive('maxDialsPerRound', options.maxDialsPerRound, 8, MAX_DIALS_PER_ROUND),
  }
}

/** The wait after a round: back to the first interval when it brought a peer, else twice the last, at most the ceiling. */
export function nextLookupDelay(
  last: number,
  connected: number,
  init: Pick<ResolvedMainline, 'lookupInterval' | 'maxLookupInterval'>,
): number {
  if (connected > 0) return init.lookupInterval
  return Math.min(Math.max(last * 2, init.lookupInterval), init.maxLookupInterval)
}

/** The peers of a round worth dialling: not us, not connected already, each once, at most `max`. */
export function peersToDial(
  found: readonly PeerInfo[],
  self: PeerId,
  isConnected: (peer: PeerId) => boolean,
  max: number,
): PeerInfo[] {
  const chosen = new Map<string, PeerInfo>()
  for (const info of found) {
    if (chosen.size >= max) break
    const key = info.id.toString()
    if (info.id.equals(self) || chosen.has(key) || isConnected(info.id)) continue
    chosen.set(key, info)
  }
  return [...chosen.values()]
}

export interface TopicDiscoveryComponents {
  self: PeerId
  /** Announces the topic and looks it up: the peers found (the service's `topicRound`). */
  round(signal: AbortSignal): Promise<PeerInfo[]>
  /** Connects to a peer found; rejects when it cannot. */
  dial(peer: PeerInfo, signal: AbortSignal): Promise<void>
  isConnected(peer: PeerId): boolean
  log: (format: string, ...args: unknown[]) => void
}

export class TopicDiscovery {
  private readonly lifetime = new AbortController()
  private timer?: ReturnType<typeof setTimeout>
  private running?: Promise<void>
  private delay: number
  private resetPending = false
  private stopped = false

  constructor(
    private readonly components: TopicDiscoveryComponents,
    private readonly init: Pick<
      ResolvedMainline,
      'lookupInterval' | 'maxLookupInterval' | 'maxDialsPerRound'
    >,
  ) {
    this.delay = init.lookupInterval
  }

  start(): void {
    this.schedule(this.init.lookupInterval)
  }

  /** Looks again soon (a peer left): the next round comes after the first interval. */
  reset(): void {
    if (this.running != null) this.resetPending = true
    else this.schedule(this.init.lookupInterval)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.lifetime.abort()
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  private schedule(delay: number): void {
    if (this.stopped) return
    clearTimeout(this.timer)
    this.delay = delay
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.running = this.round().finally(() => {
        this.running = undefined
      })
    }, delay)
  }

  /** One round; never throws (a failed round counts as one that found nobody). */
  private async round(): Promise<void> {
    const { signal } = this.lifetime
    let connected = 0
    try {
      const found = await this.components.round(signal)
      const chosen = peersToDial(
        found,
        this.components.self,
        this.components.isConnected,
        this.init.maxDialsPerRound,
      )
      const results = await Promise.allSettled(chosen.map(async (peer) => this.components.dial(peer, signal)))
      connected = results.filter((result) => result.status === 'fulfilled').length
      this.components.log(
        'topic round: %d found, %d dialled, %d connected',
        found.length,
        chosen.length,
        connected,
      )
    } catch (err) {
      if (!this.stopped) this.components.log('topic round failed: %s', (err as Error).message)
    }
    const next = this.resetPending
      ? this.init.lookupInterval
      : nextLookupDelay(this.delay, connected, this.init)
    this.resetPending = false
    this.schedule(next)
  }
}

/**
 * Topic rounds for a playground's host, when it runs the Mainline service:
 * a peer found goes into the peer store and is dialled by its id (each dial
 * bounded by `dialTimeout`), so the host's ladder chooses the path.
 */
export function hostTopicDiscovery(
  host: PlaygroundHost,
  init: ResolvedMainline,
  dialTimeout: number,
  log: TopicDiscoveryComponents['log'],
): TopicDiscovery | undefined {
  const service = host.services.mainline
  if (service == null) return undefined
  return new TopicDiscovery(
    {
      self: host.peerId,
      round: async (signal) => service.topicRound({ signal }),
      dial: async (peer, signal) => {
        await host.peerStore.merge(peer.id, { multiaddrs: peer.multiaddrs })
        await host.dial(peer.id, { signal: AbortSignal.any([signal, AbortSignal.timeout(dialTimeout)]) })
      },
      isConnected: (peer) => host.getConnections(peer).length > 0,
      log,
    },
    init,
  )
}
