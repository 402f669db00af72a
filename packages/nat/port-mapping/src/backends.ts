/**
 * The three ways to ask a gateway for a port, behind one interface the port
 * mapper drives: UPnP IGD, PCP (falling back to NAT-PMP when the gateway
 * speaks only that) and NAT-PMP. NAT-PMP and PCP answers carry an epoch;
 * a backend reports a gateway restart through `onRestart`.
 */
import { EpochTracker } from './epoch.js'
import { UnsupportedVersionError } from './errors.js'
import type { InternetGatewayDevice, TransportProtocol } from './igd.js'
import type { NatPmpClient } from './nat-pmp.js'
import type { PcpClient } from './pcp.js'

export type MappingProtocol = 'upnp' | 'pcp' | 'nat-pmp'

export interface BackendMapRequest {
  protocol: TransportProtocol
  internalAddress: string
  internalPort: number
  /** the external port wished for; 0: any */
  externalPort: number
  /** seconds */
  lifetime: number
  description: string
  /** state the backend keeps per mapping (PCP's nonce), given back on renewal and removal */
  state?: unknown
}

export interface BackendMapping {
  externalAddress: string
  externalPort: number
  /** seconds granted; 0: permanent (no renewal) */
  lifetime: number
  state?: unknown
  /** the protocol that made it ('pcp' may have fallen back to 'nat-pmp') */
  via: MappingProtocol
}

export interface Backend {
  readonly protocol: MappingProtocol
  map(request: BackendMapRequest, options: { signal?: AbortSignal }): Promise<BackendMapping>
  unmap(
    request: BackendMapRequest & { externalPort: number },
    options: { signal?: AbortSignal },
  ): Promise<void>
  /** called when an answer shows the gateway restarted */
  onRestart?: () => void
}

export class UpnpBackend implements Backend {
  readonly protocol = 'upnp'
  onRestart?: () => void

  constructor(readonly igd: InternetGatewayDevice) {}

  async map(request: BackendMapRequest, options: { signal?: AbortSignal }): Promise<BackendMapping> {
    const externalAddress = await this.igd.externalAddress(options)
    const mapped = await this.igd.map(
      {
        protocol: request.protocol,
        internalClient: request.internalAddress,
        internalPort: request.internalPort,
        externalPort: request.externalPort === 0 ? request.internalPort : request.externalPort,
        lease: request.lifetime,
        description: request.description,
      },
      options,
    )
    return { externalAddress, externalPort: mapped.externalPort, lifetime: mapped.lease, via: 'upnp' }
  }

  async unmap(
    request: BackendMapRequest & { externalPort: number },
    options: { signal?: AbortSignal },
  ): Promise<void> {
    await this.igd.deletePortMapping(request.protocol, request.externalPort, options)
  }
}

export class NatPmpBackend implements Backend {
  readonly protocol = 'nat-pmp'
  onRestart?: () => void
  private readonly epochs = new EpochTracker()

  constructor(readonly client: NatPmpClient) {}

  async map(request: BackendMapRequest, options: { signal?: AbortSignal }): Promise<BackendMapping> {
    const address = await this.client.externalAddress(options)
    this.observe(address.epoch)
    const answer = await this.client.map(
      request.protocol,
      request.internalPort,
      request.externalPort === 0 ? request.internalPort : request.externalPort,
      request.lifetime,
      options,
    )
    this.observe(answer.epoch)
    return {
      externalAddress: address.externalAddress,
      externalPort: answer.externalPort,
      lifetime: answer.lifetime,
      via: 'nat-pmp',
    }
  }

  async unmap(request: BackendMapRequest, options: { signal?: AbortSignal }): Promise<void> {
    await this.client.unmap(request.protocol, request.internalPort, options)
  }

  private observe(epoch: number): void {
    if (this.epochs.observe(epoch)) this.onRestart?.()
  }
}

/** PCP MAP; on a version mismatch it hands every later call to NAT-PMP. */
export class PcpBackend implements Backend {
  readonly protocol = 'pcp'
  onRestart?: () => void
  private readonly epochs = new EpochTracker()
  private fallback?: NatPmpBackend

  constructor(
    readonly client: PcpClient,
    private readonly natPmp: NatPmpClient,
  ) {}

  /** true once the gateway showed it speaks only NAT-PMP */
  get fellBack(): boolean {
    return this.fallback != null
  }

  async map(request: BackendMapRequest, options: { signal?: AbortSignal }): Promise<BackendMapping> {
    if (this.fallback != null) return this.fallback.map(request, options)
    try {
      const answer = await this.client.map(
        {
          protocol: request.protocol,
          internalPort: request.internalPort,
          externalPort: request.externalPort === 0 ? request.internalPort : request.externalPort,
          lifetime: request.lifetime,
          clientAddress: request.internalAddress,
          nonce: request.state instanceof Uint8Array ? request.state : undefined,
        },
        options,
      )
      if (this.epochs.observe(answer.epoch)) this.onRestart?.()
      return {
        externalAddress: answer.externalAddress,
        externalPort: answer.externalPort,
        lifetime: answer.lifetime,
        state: answer.nonce,
        via: 'pcp',
      }
    } catch (err) {
      if (!(err instanceof UnsupportedVersionError)) throw err
      this.fallback = new NatPmpBackend(this.natPmp)
      this.fallback.onRestart = () => this.onRestart?.()
      return this.fallback.map(request, options)
    }
  }

  async unmap(
    request: BackendMapRequest & { externalPort: number },
    options: { signal?: AbortSignal },
  ): Promise<void> {
    if (this.fallback != null) return this.fallback.unmap(request, options)
    await this.client.map(
      {
        protocol: request.protocol,
        internalPort: request.internalPort,
        externalPort: 0,
        lifetime: 0,
        clientAddress: request.internalAddress,
        nonce: request.state instanceof Uint8Array ? request.state : undefined,
      },
      options,
    )
  }
}
