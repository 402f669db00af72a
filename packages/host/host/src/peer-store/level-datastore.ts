/**
 * A LevelDB datastore (`datastore-level`) loaded only when a peer store path
 * is configured, so hosts that keep their peers in memory never load the
 * native LevelDB binding.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Datastore, Key, Pair, Query } from 'interface-datastore'

type Level = Datastore & { open(): Promise<void>; close(): Promise<void> }

/** The subset of `Datastore` the peer store uses, backed by a LevelDB at `path`. */
export class LazyLevelDatastore {
  private store?: Promise<Level>

  constructor(private readonly path: string) {}

  private async level(): Promise<Level> {
    this.store ??= import('datastore-level').then(
      ({ LevelDatastore }) => new LevelDatastore(this.path) as Level,
    )
    return this.store
  }

  async open(): Promise<void> {
    await (await this.level()).open()
  }

  async close(): Promise<void> {
    if (this.store == null) return
    await (await this.store).close()
  }

  async get(key: Key, options?: AbortOptions): Promise<Uint8Array> {
    return (await this.level()).get(key, options)
  }

  async put(key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    return (await this.level()).put(key, value, options)
  }

  async delete(key: Key, options?: AbortOptions): Promise<void> {
    await (await this.level()).delete(key, options)
  }

  async *query(query: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    yield* (await this.level()).query(query, options)
  }
}
