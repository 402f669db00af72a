/**
 * `host.peerRouting` and `host.contentRouting`: they ask every service that
 * offers routing (through `peerRoutingSymbol` / `contentRoutingSymbol`, as
 * js-libp2p's kad-dht does) and throw `NoPeerRoutersError` /
 * `NoContentRoutersError` when no service offers it.
 */
import {
  type ContentRouting,
  contentRoutingSymbol,
  type PeerId,
  type PeerInfo,
  type PeerRouting,
  type Provider,
  peerRoutingSymbol,
  type RoutingOptions,
} from '@libp2p/interface'
import { NoContentRoutersError, NoPeerRoutersError } from './errors.js'

type CID = Parameters<ContentRouting['provide']>[0]

/** The routers the services offer, found once when the host is built. */
export function findRouters(services: Record<string, unknown>): {
  peerRouters: Array<Partial<PeerRouting>>
  contentRouters: Array<Partial<ContentRouting>>
} {
  const peerRouters: Array<Partial<PeerRouting>> = []
  const contentRouters: Array<Partial<ContentRouting>> = []
  for (const service of Object.values(services)) {
    if (service == null || typeof service !== 'object') continue
    const peerRouter = (service as { [peerRoutingSymbol]?: Partial<PeerRouting> })[peerRoutingSymbol]
    if (peerRouter != null) peerRouters.push(peerRouter)
    const contentRouter = (service as { [contentRoutingSymbol]?: Partial<ContentRouting> })[
      contentRoutingSymbol
    ]
    if (contentRouter != null) contentRouters.push(contentRouter)
  }
  return { peerRouters, contentRouters }
}

export class CompoundPeerRouting implements PeerRouting {
  constructor(private readonly routers: Array<Partial<PeerRouting>>) {}

  async findPeer(peerId: PeerId, options?: RoutingOptions): Promise<PeerInfo> {
    const routers = this.routers.filter((router) => router.findPeer != null)
    if (routers.length === 0) throw new NoPeerRoutersError('no peer routing service is configured')
    const errors: Error[] = []
    for (const router of routers) {
      try {
        return await router.findPeer!(peerId, options)
      } catch (err) {
        errors.push(err as Error)
      }
    }
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, `no router found ${peerId.toString()}`)
  }

  async *getClosestPeers(key: Uint8Array, options?: RoutingOptions): AsyncIterable<PeerInfo> {
    const routers = this.routers.filter((router) => router.getClosestPeers != null)
    if (routers.length === 0) throw new NoPeerRoutersError('no peer routing service is configured')
    for (const router of routers) yield* router.getClosestPeers!(key, options)
  }
}

export class CompoundContentRouting implements ContentRouting {
  constructor(private readonly routers: Array<Partial<ContentRouting>>) {}

  async provide(cid: CID, options?: RoutingOptions): Promise<void> {
    await Promise.all(this.pick('provide').map(async (router) => router.provide!(cid, options)))
  }

  async cancelReprovide(key: CID, options?: RoutingOptions): Promise<void> {
    await Promise.all(
      this.pick('cancelReprovide').map(async (router) => router.cancelReprovide!(key, options)),
    )
  }

  async *findProviders(cid: CID, options?: RoutingOptions): AsyncIterable<Provider> {
    for (const router of this.pick('findProviders')) yield* router.findProviders!(cid, options)
  }

  async put(key: Uint8Array, value: Uint8Array, options?: RoutingOptions): Promise<void> {
    await Promise.all(this.pick('put').map(async (router) => router.put!(key, value, options)))
  }

  async get(key: Uint8Array, options?: RoutingOptions): Promise<Uint8Array> {
    const errors: Error[] = []
    for (const router of this.pick('get')) {
      try {
        return await router.get!(key, options)
      } catch (err) {
        errors.push(err as Error)
      }
    }
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'no router found the key')
  }

  private pick(method: keyof ContentRouting): Array<Partial<ContentRouting>> {
    const routers = this.routers.filter((router) => router[method] != null)
    if (routers.length === 0) throw new NoContentRoutersError(`no content routing service offers ${method}`)
    return routers
  }
}
