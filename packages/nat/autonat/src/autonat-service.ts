/**
 * AutoNAT v1 (autonat/autonat-v1.md), client and server in one service.
 *
 * Server (autonat-server.ts): answers `Dial` requests by dialing the
 * requester back on a fresh connection, only at addresses on the IP it is
 * observed as and never over a relayed connection; a bounded number of
 * dial-backs run at once.
 * Client (autonat-client.ts): asks peers that speak AutoNAT (learnt from
 * identify) to dial us back, counts their answers with `ReachabilityTracker`,
 * exposes the result as `reachability` and a `reachability:change` event
 * (also dispatched on the host's event bus as `weft:reachability`), and
 * confirms addresses that were dialed successfully with the address manager.
 */
import {
  type AbortOptions,
  type IdentifyResult,
  type Logger,
  type PeerId,
  type Startable,
  TypedEventEmitter,
  type TypedEventTarget,
} from '@libp2p/interface'
import { ProtocolHandler } from '@weft/utils'
import { ReachabilityClient } from './autonat-client.js'
import { DialBackServer } from './autonat-server.js'
import { type AutoNATConfig, resolveConfig } from './config.js'
import { AutoNATStoppedError } from './errors.js'
import { PROTOCOL } from './messages.js'
import type { Reachability } from './reachability.js'
import type { AutoNATComponents, AutoNATEvents, AutoNATInit, CheckResult } from './types.js'

export type { AutoNATComponents, AutoNATEvents, AutoNATInit, CheckResult } from './types.js'

export class AutoNAT extends TypedEventEmitter<AutoNATEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/autonat'
  private readonly handler: ProtocolHandler
  private readonly server: DialBackServer
  private readonly client: ReachabilityClient
  private readonly log: Logger
  private readonly config: AutoNATConfig
  private started = false

  constructor(
    private readonly components: AutoNATComponents,
    init: AutoNATInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:autonat')
    this.config = resolveConfig(init)
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: PROTOCOL,
      options: { maxInboundStreams: 2, maxOutboundStreams: 1, runOnLimitedConnection: false },
      handler: (stream, connection) => void this.server.onRequest(stream, connection),
      stoppedError: () => new AutoNATStoppedError('AutoNAT stopped'),
    })
    this.server = new DialBackServer(components, this.config, this.log, this.handler)
    this.client = new ReachabilityClient(components, this.config, this.log, this.handler, (next) =>
      this.onReachabilityChange(next),
    )
    this.onIdentify = this.onIdentify.bind(this)
  }

  /** What the votes so far say about us. */
  get reachability(): Reachability {
    return this.client.reachability
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    if (this.config.server) await this.handler.start()
    this.components.events.addEventListener('peer:identify', this.onIdentify)
    this.started = true
    this.client.start()
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.client.stop()
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    await this.handler.stop()
    this.server.clear()
  }

  /** Asks `peer` to dial us back and counts its answer. */
  async check(peer: PeerId, options: AbortOptions = {}): Promise<CheckResult> {
    return this.client.check(peer, options)
  }

  private onReachabilityChange(next: Reachability): void {
    this.safeDispatchEvent('reachability:change', { detail: next })
    ;(this.components.events as unknown as TypedEventTarget<Record<string, CustomEvent>>).safeDispatchEvent(
      'weft:reachability',
      { detail: next },
    )
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    this.client.onIdentify(evt.detail)
  }
}
