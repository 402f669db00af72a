/**
 * An index built from the datastore once: the first `ready()` starts
 * `load`, later callers wait for the same run, and a failed run is tried
 * again by the next caller.
 */
import type { AbortOptions } from '@libp2p/interface'

export class LoadOnce {
  private loading?: Promise<void>

  constructor(private readonly load: () => Promise<void>) {}

  async ready(options?: AbortOptions): Promise<void> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined
      throw err
    })
    await this.loading
    options?.signal?.throwIfAborted()
  }
}
