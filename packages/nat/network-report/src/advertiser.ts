/**
 * Applies `advertise` (advertise.ts decides) through the host's address
 * manager: confirms each address wanted, withdraws each no longer wanted,
 * and withdraws them all on stop.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { type AdvertiseMode, addressesToAdvertise } from './advertise.js'
import type { Sources } from './sources.js'

/** The part of the host's address manager that takes observed addresses. */
export interface ObservedAddressManager {
  addObservedAddr(address: Multiaddr): void
  confirmObservedAddr(address: Multiaddr): void
  removeObservedAddr(address: Multiaddr): void
}

export class Advertiser {
  private readonly advertised = new Map<string, Multiaddr>()

  constructor(
    private readonly mode: AdvertiseMode,
    private readonly manager?: ObservedAddressManager,
  ) {}

  /** Confirms what `mode` wants from `sources` now, and withdraws what it no longer wants. */
  apply(sources: Sources): void {
    const manager = this.manager
    if (this.mode === 'none' || manager == null) return
    const wanted = addressesToAdvertise(this.mode, sources)
    for (const [key, address] of this.advertised) {
      if (wanted.has(key)) continue
      this.advertised.delete(key)
      manager.removeObservedAddr(address)
    }
    for (const [key, address] of wanted) {
      if (this.advertised.has(key)) continue
      this.advertised.set(key, address)
      manager.addObservedAddr(address)
      manager.confirmObservedAddr(address)
    }
  }

  /** Withdraws every address confirmed. */
  withdrawAll(): void {
    for (const address of this.advertised.values()) this.manager?.removeObservedAddr(address)
    this.advertised.clear()
  }
}
