/**
 * The client side of AutoNAT v1: asks peers that speak AutoNAT (learnt from
 * identify) to dial us back, counts their answers with `ReachabilityTracker`
 * and confirms addresses that were dialed successfully with the address
 * manager. Asks every new server while undecided, then a few each
 * `refreshInterval`.
 */
import type { AbortOptions, IdentifyResult, Logger, PeerId, Stream } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { anySignal, StreamReader } from '@weft/utils'
import { isRelayedAddress } from './addresses.js'
import { Message } from './autonat.pb.js'
import type { AutoNATConfig } from './config.js'
import { directConnection } from './direct-connection.js'
import { DialRefusedError } from './errors.js'
import { PROTOCOL, readMessage, writeMessage } from './messages.js'
import { type Reachability, ReachabilityTracker } from './reachability.js'
import type { AutoNATComponents, CheckResult } from './types.js'

export class ReachabilityClient {
  private readonly tracker: ReachabilityTracker
  private readonly knownServers = new Set<string>()
  private readonly inFlight = new Set<string>()
  private timer?: ReturnType<typeof setTimeout>
  private current: Reachability = 'unknown'
  private started = false

  constructor(
    private readonly components: Omit<AutoNATComponents, 'registrar' | 'logger' | 'events'>,
    private readonly config: AutoNATConfig,
    private readonly log: Logger,
    /** aborts when the service stops (a new one after each start) */
    private readonly service: { readonly signal: AbortSignal },
    /** told each time the verdict changes */
    private readonly onChange: (next: Reachability) => void,
  ) {
    this.tracker = new ReachabilityTracker({ threshold: config.threshold })
  }

  /** What the votes so far say about us. */
  get reachability(): Reachability {
    return this.current
  }

  start(): void {
    this.started = true
    this.schedule()
  }

  stop(): void {
    this.started = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.knownServers.clear()
  }

  /** Asks `peer` to dial us back and counts its answer. */
  async check(peer: PeerId, options: AbortOptions = {}): Promise<CheckResult> {
    const signal = anySignal([options.signal, this.service.signal], this.config.requestTimeout)
    let stream: Stream | undefined
    try {
      const connection = await directConnection(this.components.connectionManager, peer, { signal })
      stream = await connection.newStream(PROTOCOL, { signal })
      const reader = new StreamReader(stream)
      const addrs = this.addressesToTest().map((address) => address.bytes)
      await writeMessage(
        stream,
        {
          type: Message.MessageType.DIAL,
          dial: { peer: { id: this.components.peerId.toMultihash().bytes, addrs } },
        },
        { signal },
      )
      const response = await readMessage(reader, { signal })
      reader.release()
      await stream.close({ signal }).catch(() => {})
      const status = response.dialResponse?.status
      if (response.type !== Message.MessageType.DIAL_RESPONSE || status == null) {
        throw new DialRefusedError(String(response.type), 'the AutoNAT server sent no DIAL_RESPONSE')
      }
      const result: CheckResult = { status }
      if (status === Message.ResponseStatus.OK) {
        result.reachable = true
        try {
          if (response.dialResponse?.addr != null) result.address = multiaddr(response.dialResponse.addr)
        } catch {
          // a server that reports garbage still voted
        }
        if (result.address != null) this.components.addressManager.confirmObservedAddr(result.address)
      } else if (status === Message.ResponseStatus.E_DIAL_ERROR) {
        result.reachable = false
      }
      if (result.reachable != null) this.update(this.tracker.vote(peer.toString(), result.reachable))
      this.log('%p answered %s', peer, status)
      return result
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      signal.clear()
    }
  }

  /** Remembers a peer that speaks AutoNAT; while undecided, asks it at once. */
  onIdentify(result: IdentifyResult): void {
    const { peerId, protocols, connection } = result
    if (!protocols.includes(PROTOCOL) || isRelayedAddress(connection.remoteAddr)) return
    const key = peerId.toString()
    if (!this.knownServers.has(key) && this.knownServers.size >= this.config.maxKnownServers) return
    this.knownServers.add(key)
    // while undecided, ask every new server at once (bounded by maxServersPerRound)
    if (this.current === 'unknown' && this.inFlight.size < this.config.maxServersPerRound)
      void this.checkKnown(key)
  }

  private addressesToTest(): Multiaddr[] {
    const seen = new Set<string>()
    const out: Multiaddr[] = []
    const all = [
      ...this.components.addressManager.getAddresses(),
      ...this.components.addressManager.getObservedAddrs(),
    ]
    for (const address of all) {
      if (isRelayedAddress(address)) continue
      const key = address.toString()
      if (seen.has(key)) continue
      seen.add(key)
      out.push(address)
      if (out.length >= 64) break
    }
    return out
  }

  private update(next: Reachability): void {
    if (next === this.current) return
    this.log('reachability %s -> %s', this.current, next)
    this.current = next
    this.onChange(next)
  }

  private schedule(): void {
    if (!this.started || this.config.refreshInterval <= 0) return
    this.timer = setTimeout(() => {
      void this.runRound().finally(() => this.schedule())
    }, this.config.refreshInterval)
    this.timer.unref?.()
  }

  /** Asks up to `maxServersPerRound` connected AutoNAT servers. */
  private async runRound(): Promise<void> {
    const peers = [...this.knownServers]
      .filter((key) => !this.inFlight.has(key))
      .slice(0, this.config.maxServersPerRound)
    await Promise.allSettled(peers.map(async (key) => this.checkKnown(key)))
  }

  private async checkKnown(key: string): Promise<void> {
    const connection = this.components.connectionManager
      .getConnections()
      .find((candidate) => candidate.remotePeer.toString() === key && !isRelayedAddress(candidate.remoteAddr))
    if (connection == null || this.inFlight.has(key)) return
    this.inFlight.add(key)
    try {
      await this.check(connection.remotePeer)
    } catch (err) {
      this.log('check with %s failed: %s', key, (err as Error).message)
    } finally {
      this.inFlight.delete(key)
    }
  }
}
