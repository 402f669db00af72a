/**
 * The port mapper as a host service: whenever the host's listeners change it
 * maps every IPv4 TCP/UDP listen port (and opens an IPv6 pinhole for every
 * global IPv6 listen address when the IGD has WANIPv6FirewallControl:1), and
 * reports the mapped addresses. A mapped address goes to the address manager
 * as an *observed* address, which the host does not offer to peers; it is
 * offered only once confirmed: by the `confirm` hook when given (e.g. a
 * dial-back), otherwise by AutoNAT, which tests observed addresses and calls
 * `confirmObservedAddr` itself. Removed from the address manager when the
 * mapping goes.
 */
import type { ComponentLogger, Libp2pEvents, Logger, Startable, TypedEventTarget } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { isSpecialPurposeIp, LightEventTarget } from '@weft/utils'
import type { TransportProtocol } from './igd.js'
import { type Mapping, PortMapper, type PortMapperInit } from './mapper.js'
import type { Pinhole } from './pinholes.js'

export interface PortMappingInit extends Omit<PortMapperInit, 'log'> {
  /**
   * decides whether a mapped address is reachable from outside (e.g. a
   * dial-back); true confirms it with the address manager. Without it the
   * address stays observed until AutoNAT confirms it.
   */
  confirm?: (address: Multiaddr, options: { signal: AbortSignal }) => Promise<boolean>
  /** open IPv6 pinholes for global IPv6 listen addresses (default true) */
  pinholes?: boolean
}

export interface PortMappingComponents {
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  addressManager: {
    getListenAddrs(): Multiaddr[]
    addObservedAddr(address: Multiaddr): void
    confirmObservedAddr(address: Multiaddr): void
    removeObservedAddr(address: Multiaddr): void
  }
}

export interface PortMappingEvents {
  /** the mapped addresses changed; the detail is the new list */
  'addresses:change': CustomEvent<Multiaddr[]>
  /** the `confirm` hook confirmed a mapped address */
  'address:confirmed': CustomEvent<Multiaddr>
  /** a listen port could not be mapped */
  'mapping:error': CustomEvent<{ address: Multiaddr; error: Error }>
}

interface Target {
  key: string
  listen: Multiaddr
  protocol: TransportProtocol
  port: number
  family: 4 | 6
  host: string
}

interface Held {
  target: Target
  address: Multiaddr
  mapping?: Mapping
  pinhole?: Pinhole
}

export class PortMappingService extends LightEventTarget<PortMappingEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/port-mapping'
  private readonly log: Logger
  private mapper?: PortMapper
  private readonly held = new Map<string, Held>()
  private syncing?: Promise<void>
  private again = false

  constructor(
    private readonly components: PortMappingComponents,
    private readonly init: PortMappingInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:port-mapping')
    this.onListenersChange = this.onListenersChange.bind(this)
  }

  /** The mapped addresses held now (confirmed or not). */
  getMappedAddresses(): Multiaddr[] {
    return [...this.held.values()].map((held) => held.address)
  }

  /** The mapper underneath (its protocol, mappings and events). */
  get portMapper(): PortMapper | undefined {
    return this.mapper
  }

  start(): void {
    this.mapper = new PortMapper({ ...this.init, log: this.log })
    this.mapper.addEventListener('mapping', this.onMappingChange)
    this.mapper.addEventListener('mapping:lost', this.onMappingChange)
    this.components.events.addEventListener('transport:listening', this.onListenersChange)
    this.components.events.addEventListener('transport:close', this.onListenersChange)
  }

  afterStart(): void {
    this.onListenersChange()
  }

  async stop(): Promise<void> {
    this.components.events.removeEventListener('transport:listening', this.onListenersChange)
    this.components.events.removeEventListener('transport:close', this.onListenersChange)
    const mapper = this.mapper
    this.mapper = undefined
    for (const held of this.held.values()) this.components.addressManager.removeObservedAddr(held.address)
    this.held.clear()
    await this.syncing?.catch(() => {})
    if (mapper == null) return
    mapper.removeEventListener('mapping', this.onMappingChange)
    mapper.removeEventListener('mapping:lost', this.onMappingChange)
    await mapper.stop()
  }

  /** Resolves when the mappings match the listen addresses of now. */
  async settled(): Promise<void> {
    while (this.syncing != null) await this.syncing
  }

  private onListenersChange(): void {
    if (this.mapper == null) return
    if (this.syncing != null) {
      this.again = true
      return
    }
    this.syncing = this.sync().finally(() => {
      this.syncing = undefined
      if (this.again && this.mapper != null) {
        this.again = false
        this.onListenersChange()
      }
    })
  }

  private async sync(): Promise<void> {
    const mapper = this.mapper
    if (mapper == null) return
    const targets = new Map<string, Target>()
    for (const listen of this.components.addressManager.getListenAddrs()) {
      const target = targetOf(listen, this.init.pinholes !== false)
      if (target != null && !targets.has(target.key)) targets.set(target.key, target)
    }
    for (const [key, held] of this.held) {
      if (targets.has(key)) continue
      this.held.delete(key)
      this.components.addressManager.removeObservedAddr(held.address)
      if (held.mapping != null) await mapper.unmap(held.target.protocol, held.target.port).catch(() => {})
      if (held.pinhole != null) await mapper.closePinhole(held.pinhole).catch(() => {})
      this.changed()
    }
    for (const [key, target] of targets) {
      if (this.held.has(key) || this.mapper !== mapper) continue
      try {
        const held = await this.hold(mapper, target)
        if (this.mapper !== mapper) return
        this.held.set(key, held)
        this.components.addressManager.addObservedAddr(held.address)
        this.changed()
        void this.confirm(held)
      } catch (err) {
        if (this.mapper !== mapper) return
        this.log.error('could not map %s: %s', target.listen.toString(), (err as Error).message)
        this.safeDispatchEvent('mapping:error', { detail: { address: target.listen, error: err as Error } })
      }
    }
  }

  private async hold(mapper: PortMapper, target: Target): Promise<Held> {
    if (target.family === 6) {
      const pinhole = await mapper.openPinhole({
        protocol: target.protocol,
        internalClient: target.host,
        internalPort: target.port,
      })
      return { target, address: target.listen, pinhole }
    }
    const mapping = await mapper.map({ protocol: target.protocol, internalPort: target.port })
    return { target, address: mappedAddress(target.listen, mapping), mapping }
  }

  private async confirm(held: Held): Promise<void> {
    if (this.init.confirm == null) return
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 30_000)
    try {
      if (await this.init.confirm(held.address, { signal: controller.signal })) {
        if (this.held.get(held.target.key) !== held) return
        this.components.addressManager.confirmObservedAddr(held.address)
        this.safeDispatchEvent('address:confirmed', { detail: held.address })
      }
    } catch (err) {
      this.log('confirming %s failed: %s', held.address.toString(), (err as Error).message)
    } finally {
      clearTimeout(timer)
    }
  }

  /** A renewal moved a mapping, or it was lost: the reported address follows. */
  private readonly onMappingChange = (evt: CustomEvent<Mapping>): void => {
    const mapping = evt.detail
    const key = `ip4/${mapping.protocol}/${mapping.internalPort}`
    const held = this.held.get(key)
    if (held == null) return
    this.components.addressManager.removeObservedAddr(held.address)
    if (evt.type === 'mapping:lost') {
      this.held.delete(key)
    } else {
      held.mapping = mapping
      held.address = mappedAddress(held.target.listen, mapping)
      this.components.addressManager.addObservedAddr(held.address)
      void this.confirm(held)
    }
    this.changed()
  }

  private changed(): void {
    this.safeDispatchEvent('addresses:change', { detail: this.getMappedAddresses() })
  }
}

/** The mapping or pinhole a listen address needs, if any: IPv4 on a non-loopback address, or a global IPv6 address. */
function targetOf(listen: Multiaddr, pinholes: boolean): Target | undefined {
  const parts = listen.toString().split('/')
  const [, family, host, transport, portText] = parts
  if ((transport !== 'tcp' && transport !== 'udp') || host == null) return undefined
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined
  if (family === 'ip4') {
    if (host.startsWith('127.') || host === '0.0.0.0') return undefined
    return { key: `ip4/${transport}/${port}`, listen, protocol: transport, port, family: 4, host }
  }
  if (family === 'ip6' && pinholes) {
    const lower = host.toLowerCase()
    // loopback and link-local never cross the router; a ULA is kept (labs and some ISPs route them)
    if (
      lower === '::1' ||
      lower === '::' ||
      lower.startsWith('fe80:') ||
      (isSpecialPurposeIp(lower) && !/^f[cd]/.test(lower))
    )
      return undefined
    return { key: `ip6/${transport}/${host}/${port}`, listen, protocol: transport, port, family: 6, host }
  }
  return undefined
}

/** `listen` with its address and port replaced by the mapping's external ones. */
export function mappedAddress(listen: Multiaddr, mapping: Mapping): Multiaddr {
  const parts = listen.toString().split('/')
  return multiaddr(
    ['', 'ip4', mapping.externalAddress, parts[3], String(mapping.externalPort), ...parts.slice(5)].join('/'),
  )
}

/** The host service factory: `services: { portMapping: portMapping({ ... }) }`. */
export function portMapping(
  init: PortMappingInit = {},
): (components: PortMappingComponents) => PortMappingService {
  return (components) => new PortMappingService(components, init)
}
