/**
 * The port mapper: finds a gateway by trying protocols in order (default
 * UPnP IGD, then PCP with its NAT-PMP fallback, then NAT-PMP), maps ports,
 * renews each lease at half its lifetime, makes every mapping again when the
 * gateway shows it restarted, refuses a gateway whose external address is
 * private (double NAT), and removes every mapping on stop. One timer per
 * mapping, cleared on removal and stop; the number of mappings is bounded.
 */
import type { Logger } from '@libp2p/interface'
import { isSpecialPurposeIp, LightEventTarget, logger as makeLogger } from '@weft/utils'
import {
  type Backend,
  type BackendMapping,
  type BackendMapRequest,
  type MappingProtocol,
  NatPmpBackend,
  PcpBackend,
  UpnpBackend,
} from './backends.js'
import { defaultGateway } from './default-gateway.js'
import { DoubleNatError, GatewayNotFoundError, PortMapperStoppedError } from './errors.js'
import { InternetGatewayDevice, type TransportProtocol } from './igd.js'
import type { Mapping, MapRequest, PortMapperEvents, PortMapperInit } from './mapper-types.js'
import { NatPmpClient } from './nat-pmp.js'
import { PcpClient } from './pcp.js'
import { type Pinhole, type PinholeRequest, PinholeTable, pinholeLease } from './pinholes.js'
import { localAddressFor } from './udp-exchange.js'

export type { Mapping, MapRequest, PortMapperEvents, PortMapperInit } from './mapper-types.js'

interface Made {
  backend: Backend
  backendRequest: BackendMapRequest
  made: BackendMapping
}

interface Entry {
  request: BackendMapRequest
  mapping: Mapping
  state?: unknown
  timer?: ReturnType<typeof setTimeout>
}

const MAX_TIMER = 2 ** 31 - 1

export class PortMapper extends LightEventTarget<PortMapperEvents> {
  private readonly init: PortMapperInit
  private readonly log: Logger
  private backend?: Backend
  private choosing?: Promise<Backend>
  private igd?: Promise<InternetGatewayDevice>
  private readonly held = new Map<string, Entry>()
  private readonly pinholes: PinholeTable
  private readonly controller = new AbortController()
  private stopped = false

  constructor(init: PortMapperInit = {}) {
    super()
    this.init = init
    this.log = init.log ?? makeLogger('weft:port-mapping')
    this.pinholes = new PinholeTable(() => this.controller.signal, this.log)
  }

  /** The protocol in use, once a gateway answered. */
  get protocol(): MappingProtocol | undefined {
    return this.backend instanceof PcpBackend && this.backend.fellBack ? 'nat-pmp' : this.backend?.protocol
  }

  /** The mappings held now. */
  mappings(): Mapping[] {
    return [...this.held.values()].map((entry) => entry.mapping)
  }

  /** Maps a port (or returns the mapping already held for it). */
  async map(request: MapRequest, options: { signal?: AbortSignal } = {}): Promise<Mapping> {
    this.assertRunning()
    const key = `${request.protocol}/${request.internalPort}`
    const held = this.held.get(key)
    if (held != null) return held.mapping
    if (this.held.size + this.pinholes.size >= (this.init.maxMappings ?? 64)) {
      throw new RangeError(`${this.init.maxMappings ?? 64} mappings held; no more are made`)
    }
    const signal = anySignal(this.controller.signal, options.signal)
    const { backend, backendRequest, made } = await this.mapVia(request, signal)
    const entry: Entry = {
      request: backendRequest,
      state: made.state,
      mapping: this.toMapping(backendRequest, made),
    }
    if (isSpecialPurposeIp(made.externalAddress) && this.init.allowDoubleNat !== true) {
      await backend
        .unmap({ ...backendRequest, externalPort: made.externalPort, state: made.state }, { signal })
        .catch(() => {})
      this.safeDispatchEvent('double-nat', { detail: made.externalAddress })
      throw new DoubleNatError(made.externalAddress)
    }
    if (this.stopped) {
      await backend
        .unmap({ ...backendRequest, externalPort: made.externalPort, state: made.state }, {})
        .catch(() => {})
      throw new PortMapperStoppedError('the port mapper stopped while mapping')
    }
    this.held.set(key, entry)
    this.schedule(key, entry)
    this.log(
      'mapped %s %s:%d → %s:%d via %s for %ds',
      request.protocol,
      backendRequest.internalAddress,
      request.internalPort,
      entry.mapping.externalAddress,
      entry.mapping.externalPort,
      entry.mapping.via,
      entry.mapping.lifetime,
    )
    this.safeDispatchEvent('mapping', { detail: entry.mapping })
    return entry.mapping
  }

  /** Removes one mapping. */
  async unmap(
    protocol: TransportProtocol,
    internalPort: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const key = `${protocol}/${internalPort}`
    const entry = this.held.get(key)
    if (entry == null || this.backend == null) return
    clearTimeout(entry.timer)
    this.held.delete(key)
    await this.backend.unmap(
      { ...entry.request, externalPort: entry.mapping.externalPort, state: entry.state },
      options,
    )
  }

  /** Opens an IPv6 pinhole through the IGD's WANIPv6FirewallControl:1 service (UPnP only); renewed and closed on stop. */
  async openPinhole(request: PinholeRequest, options: { signal?: AbortSignal } = {}): Promise<Pinhole> {
    this.assertRunning()
    if (this.held.size + this.pinholes.size >= (this.init.maxMappings ?? 64)) {
      throw new RangeError(`${this.init.maxMappings ?? 64} mappings held; no more are made`)
    }
    const signal = anySignal(this.controller.signal, options.signal)
    const igd = await this.igdFor(signal)
    return this.pinholes.open(
      igd,
      { ...request, lease: pinholeLease(request.lease ?? this.init.lifetime ?? 3_600) },
      signal,
    )
  }

  async closePinhole(pinhole: Pinhole, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.pinholes.close(pinhole, options.signal)
  }

  /** Removes every mapping and pinhole, clears every timer; the mapper cannot be used after. */
  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const backend = this.backend
    const entries = [...this.held.values()]
    this.held.clear()
    for (const entry of entries) clearTimeout(entry.timer)
    const errors: unknown[] = []
    await Promise.all([
      ...entries.map(async (entry) => {
        try {
          await backend?.unmap(
            { ...entry.request, externalPort: entry.mapping.externalPort, state: entry.state },
            options,
          )
        } catch (err) {
          errors.push(err)
          this.log.error(
            'removing %s %d failed: %s',
            entry.request.protocol,
            entry.mapping.externalPort,
            (err as Error).message,
          )
        }
      }),
      this.pinholes.closeAll(options.signal).catch((err: unknown) => {
        errors.push(err)
      }),
    ])
    this.controller.abort(new PortMapperStoppedError('the port mapper stopped'))
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} mappings could not be removed`)
  }

  private assertRunning(): void {
    if (this.stopped) throw new PortMapperStoppedError('the port mapper is stopped')
  }

  private toMapping(
    request: BackendMapRequest,
    made: { externalAddress: string; externalPort: number; lifetime: number; via: MappingProtocol },
  ): Mapping {
    return {
      protocol: request.protocol,
      internalAddress: request.internalAddress,
      internalPort: request.internalPort,
      externalAddress: made.externalAddress,
      externalPort: made.externalPort,
      lifetime: made.lifetime,
      expiresAt: made.lifetime === 0 ? Number.POSITIVE_INFINITY : Date.now() + made.lifetime * 1000,
      via: made.via,
    }
  }

  /** Renewal at half the lease (RFC 6886 §3.3 advises it; UPnP has no rule). */
  private schedule(key: string, entry: Entry, delay?: number): void {
    clearTimeout(entry.timer)
    if (this.stopped || entry.mapping.lifetime === 0) return
    const wait = delay ?? Math.max(1_000, (entry.mapping.lifetime * 1000) / 2)
    entry.timer = setTimeout(() => void this.renew(key, entry), Math.min(wait, MAX_TIMER))
  }

  private async renew(key: string, entry: Entry): Promise<void> {
    if (this.stopped || this.held.get(key) !== entry || this.backend == null) return
    try {
      const made = await this.backend.map(
        { ...entry.request, externalPort: entry.mapping.externalPort, state: entry.state },
        { signal: this.controller.signal },
      )
      if (this.stopped || this.held.get(key) !== entry) return
      const previous = entry.mapping
      entry.state = made.state
      entry.mapping = this.toMapping(entry.request, made)
      this.log('renewed %s %d for %ds', entry.request.protocol, made.externalPort, made.lifetime)
      if (previous.externalPort !== made.externalPort || previous.externalAddress !== made.externalAddress) {
        this.safeDispatchEvent('mapping', { detail: entry.mapping })
      }
      this.schedule(key, entry)
    } catch (err) {
      if (this.stopped || this.held.get(key) !== entry) return
      const left = entry.mapping.expiresAt - Date.now()
      this.log.error(
        'renewing %s %d failed (%s); %d ms of lease left',
        entry.request.protocol,
        entry.mapping.externalPort,
        (err as Error).message,
        left,
      )
      if (left > 0) {
        this.schedule(key, entry, Math.min(this.init.retryInterval ?? 5_000, Math.max(left, 1)))
        return
      }
      this.held.delete(key)
      this.safeDispatchEvent('mapping:lost', { detail: entry.mapping })
    }
  }

  /** The gateway lost its state: every mapping is made again now. */
  private onRestart(): void {
    if (this.stopped || this.backend == null) return
    this.log('the %s gateway restarted; mapping %d ports again', this.backend.protocol, this.held.size)
    this.safeDispatchEvent('gateway:restart', { detail: this.backend.protocol })
    for (const [key, entry] of this.held) this.schedule(key, entry, 0)
  }

  /** Maps through the backend in use, or finds one: the first protocol whose gateway makes this mapping. */
  private async mapVia(request: MapRequest, signal: AbortSignal): Promise<Made> {
    if (this.backend == null && this.choosing == null) {
      const first = this.findBackend(request, signal)
      const choosing = first.then((found) => found.backend)
      // awaited only by calls that arrive while the first one searches
      choosing.catch(() => {})
      this.choosing = choosing
      void first.then(
        () => this.clearChoosing(choosing),
        () => this.clearChoosing(choosing),
      )
      return first
    }
    const backend = this.backend ?? (await this.choosing!)
    const backendRequest = await this.requestFor(backend, request)
    return { backend, backendRequest, made: await backend.map(backendRequest, { signal }) }
  }

  private clearChoosing(choosing: Promise<Backend>): void {
    if (this.choosing === choosing) this.choosing = undefined
  }

  private async findBackend(request: MapRequest, signal: AbortSignal): Promise<Made> {
    const failures: string[] = []
    for (const protocol of this.init.protocols ?? ['upnp', 'pcp', 'nat-pmp']) {
      signal.throwIfAborted()
      try {
        const backend = await this.probe(protocol, signal)
        const backendRequest = await this.requestFor(backend, request)
        const made = await backend.map(backendRequest, { signal })
        backend.onRestart = () => this.onRestart()
        this.backend = backend
        this.log('using %s', made.via)
        return { backend, backendRequest, made }
      } catch (err) {
        if (signal.aborted) throw err
        failures.push(`${protocol}: ${(err as Error).message}`)
        this.log('%s: no mapping (%s)', protocol, (err as Error).message)
      }
    }
    throw new GatewayNotFoundError(`no gateway made the mapping (${failures.join('; ')})`)
  }

  private async requestFor(backend: Backend, request: MapRequest): Promise<BackendMapRequest> {
    return {
      protocol: request.protocol,
      internalAddress: this.init.internalAddress ?? (await this.internalAddressFor(backend)),
      internalPort: request.internalPort,
      externalPort: request.externalPort ?? request.internalPort,
      lifetime: this.init.lifetime ?? 3_600,
      description: this.init.description ?? 'weft',
    }
  }

  /** Makes a backend for `protocol` once its gateway answered something. */
  private async probe(protocol: MappingProtocol, signal: AbortSignal): Promise<Backend> {
    if (protocol === 'upnp') return new UpnpBackend(await this.igdFor(signal))
    const gateway = this.init.gateway ?? (await defaultGateway())
    if (gateway == null) throw new GatewayNotFoundError('no default gateway; give `gateway`')
    const natPmp = new NatPmpClient({ ...this.init.natPmp, gateway })
    if (protocol === 'nat-pmp') {
      // a gateway that answers the external address request speaks NAT-PMP
      await natPmp.externalAddress({ signal })
      return new NatPmpBackend(natPmp)
    }
    // PCP has no request without side effects; its first MAP is the probe
    return new PcpBackend(new PcpClient({ ...this.init.pcp, gateway }), natPmp)
  }

  private async igdFor(signal: AbortSignal): Promise<InternetGatewayDevice> {
    if (this.backend instanceof UpnpBackend) return this.backend.igd
    this.igd ??= InternetGatewayDevice.discover({ ...this.init.ssdp, signal }, this.init.igd)
    return this.igd.catch((err: unknown) => {
      this.igd = undefined
      throw err
    })
  }

  private async internalAddressFor(backend: Backend): Promise<string> {
    if (backend instanceof UpnpBackend)
      return localAddressFor(backend.igd.location.hostname.replace(/^\[|\]$/g, ''))
    const gateway =
      backend instanceof PcpBackend ? backend.client.gateway : (backend as NatPmpBackend).client.gateway
    return localAddressFor(gateway)
  }
}

function anySignal(a: AbortSignal, b?: AbortSignal): AbortSignal {
  return b == null ? a : AbortSignal.any([a, b])
}
