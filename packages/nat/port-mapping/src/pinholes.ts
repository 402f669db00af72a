/**
 * IPv6 pinholes held through an IGD's WANIPv6FirewallControl:1 service (not
 * the WAN connection service: pinholes live on their own service). Each is
 * renewed with UpdatePinhole at half its lease and deleted on close.
 */
import type { Logger } from '@libp2p/interface'
import type { InternetGatewayDevice, TransportProtocol } from './igd.js'

export interface PinholeRequest {
  protocol: TransportProtocol
  /** our IPv6 address the pinhole lets traffic in to */
  internalClient: string
  internalPort: number
  /** the remote host allowed in (default any) */
  remoteHost?: string
  /** the remote port allowed in (default any) */
  remotePort?: number
  /** lease seconds (default the mapper's lifetime; held to 1..86 400) */
  lease?: number
}

export interface Pinhole {
  id: number
  protocol: TransportProtocol
  internalClient: string
  internalPort: number
  lease: number
}

/** WANIPv6FirewallControl:1 takes leases of 1..86 400 s. */
export function pinholeLease(seconds: number): number {
  return Math.min(86_400, Math.max(1, Math.floor(seconds)))
}

interface Held {
  igd: InternetGatewayDevice
  pinhole: Pinhole
  timer?: ReturnType<typeof setTimeout>
}

export class PinholeTable {
  private readonly held = new Map<number, Held>()

  constructor(
    private readonly signal: () => AbortSignal,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.held.size
  }

  async open(
    igd: InternetGatewayDevice,
    request: PinholeRequest & { lease: number },
    signal: AbortSignal,
  ): Promise<Pinhole> {
    const id = await igd.addPinhole(request, { signal })
    const pinhole: Pinhole = {
      id,
      protocol: request.protocol,
      internalClient: request.internalClient,
      internalPort: request.internalPort,
      lease: request.lease,
    }
    const held: Held = { igd, pinhole }
    this.held.set(id, held)
    this.schedule(held)
    this.log(
      'opened pinhole %d for [%s]:%d/%s',
      id,
      request.internalClient,
      request.internalPort,
      request.protocol,
    )
    return pinhole
  }

  async close(pinhole: Pinhole, signal?: AbortSignal): Promise<void> {
    const held = this.held.get(pinhole.id)
    if (held == null) return
    clearTimeout(held.timer)
    this.held.delete(pinhole.id)
    await held.igd.deletePinhole(pinhole.id, { signal })
  }

  async closeAll(signal?: AbortSignal): Promise<void> {
    const all = [...this.held.values()]
    const results = await Promise.allSettled(all.map((held) => this.close(held.pinhole, signal)))
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} pinholes could not be deleted`)
  }

  private schedule(held: Held): void {
    held.timer = setTimeout(
      () => {
        if (this.held.get(held.pinhole.id) !== held) return
        held.igd
          .updatePinhole(held.pinhole.id, held.pinhole.lease, { signal: this.signal() })
          .then(() => this.schedule(held))
          .catch((err: unknown) => {
            this.log.error('renewing pinhole %d failed: %s', held.pinhole.id, (err as Error).message)
            if (this.held.get(held.pinhole.id) === held) this.held.delete(held.pinhole.id)
          })
      },
      Math.max(1_000, (held.pinhole.lease * 1000) / 2),
    )
  }
}
