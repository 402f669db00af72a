/**
 * SharedState: the app's replicated map (an LwwMap, lww-map.ts) on the wire.
 *
 * - Local writes apply at once and go out as deltas on the app's state topic
 *   (gossipsub, signed: a delta's writer must be the message's signer).
 * - Anti-entropy catches up what deltas missed (a peer joining late, a
 *   partition): when a peer of the app connects, and every `syncInterval` with
 *   the next peer in turn, we open `/weft/playground/<app>/state/1.0.0` and
 *   the two swap digests (every key with its stamp) and then the writes the
 *   other lacks (the package README draws the exchange).
 * - `on('change')` reports every change, local or remote.
 * - With `store`, the state is loaded at start and saved (debounced) after changes.
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import type { Json } from './codec.js'
import { readJsonFrame, StreamReader, writeJsonFrame } from './frames.js'
import type { Change, LwwMap, WireEntry } from './lww-map.js'

/** Where SharedState persists: any string-keyed byte store (a file, the host's datastore through an adaptor). */
export interface StateStore {
  get(name: string): Promise<Uint8Array | undefined>
  put(name: string, bytes: Uint8Array): Promise<void>
}

export type ChangeHandler = (change: Change & { local: boolean }) => void

/** What SharedState needs from the playground. */
export interface SharedStateComponents {
  map: LwwMap
  topic: string
  protocol: string
  publish(topic: string, data: Uint8Array): Promise<void>
  openStream(peer: PeerId, protocol: string, signal: AbortSignal): Promise<Stream>
  log: Logger
}

export interface SharedStateInit {
  /** a digest or a batch of writes on the wire is at most this many bytes (default 16 MiB) */
  maxSyncBytes?: number
  store?: StateStore
  /** the name the state is saved under in `store` */
  storeName?: string
  /** delay before saving after a change (default 200 ms) */
  saveDelay?: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class SharedState {
  private readonly handlers = new Set<ChangeHandler>()
  private readonly maxSyncBytes: number
  private saveTimer?: ReturnType<typeof setTimeout>
  private saving: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(
    private readonly components: SharedStateComponents,
    private readonly init: SharedStateInit = {},
  ) {
    this.maxSyncBytes = init.maxSyncBytes ?? 16 * 1024 * 1024
  }

  /** The value at `key`, undefined when unset or deleted. */
  get(key: string): Json | undefined {
    return this.components.map.get(key)
  }

  has(key: string): boolean {
    return this.components.map.has(key)
  }

  keys(): string[] {
    return this.components.map.keys()
  }

  /** The whole state as a plain object, keys sorted. */
  toJSON(): Record<string, Json> {
    return this.components.map.toJSON()
  }

  /** Sets `key` here at once and sends the write to every peer of the app. */
  async set(key: string, value: Json): Promise<void> {
    if (value === undefined) throw new TypeError('state.set needs a value; use state.delete to remove a key')
    await this.write(key, value)
  }

  async delete(key: string): Promise<void> {
    await this.write(key, undefined)
  }

  /** Calls `handler` on every change, local or from a peer; returns a function that stops it. */
  on(_event: 'change', handler: ChangeHandler): () => void {
    this.handlers.add(handler)
    return () => this.off('change', handler)
  }

  off(_event: 'change', handler: ChangeHandler): void {
    this.handlers.delete(handler)
  }

  private async write(key: string, value: Json | undefined): Promise<void> {
    const wire = this.components.map.write(key, value)
    this.emit({ key, value, writer: wire[1][2], stamp: wire[1] }, true)
    await this.components.publish(this.components.topic, encoder.encode(JSON.stringify([wire])))
  }

  /** A delta from the state topic; `from` is the message's signer. */
  receiveDelta(data: Uint8Array, from: string): void {
    let writes: unknown
    try {
      writes = JSON.parse(decoder.decode(data))
    } catch {
      this.components.log('state delta from %s is not JSON', from)
      return
    }
    if (!Array.isArray(writes)) return
    for (const wire of writes) {
      // a delta carries its sender's own writes; others' writes travel only through anti-entropy
      if (!Array.isArray(wire) || !Array.isArray(wire[1]) || wire[1][2] !== from) continue
      this.mergeOne(wire)
    }
  }

  /** Anti-entropy as the opener: digest out, their newer writes and digest in, our newer writes out. */
  async sync(peer: PeerId, signal: AbortSignal): Promise<number> {
    const stream = await this.components.openStream(peer, this.components.protocol, signal)
    const reader = new StreamReader(stream, { maxBufferLength: this.maxSyncBytes + 16 })
    try {
      await writeJsonFrame(stream, this.components.map.digest(), this.maxSyncBytes, { signal })
      const reply = await readJsonFrame(reader, this.maxSyncBytes, { signal })
      if (!Array.isArray(reply) || reply.length !== 2) throw new TypeError('a sync reply is [writes, digest]')
      const merged = this.mergeAll(reply[0])
      await writeJsonFrame(stream, this.components.map.newerThan(reply[1]), this.maxSyncBytes, { signal })
      await stream.close({ signal })
      return merged
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** Anti-entropy as the answerer. */
  async handleSync(stream: Stream, _connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(30_000)
    const reader = new StreamReader(stream, { maxBufferLength: this.maxSyncBytes + 16 })
    try {
      const digest = await readJsonFrame(reader, this.maxSyncBytes, { signal })
      const ours = this.components.map.digest()
      await writeJsonFrame(stream, [this.components.map.newerThan(digest), ours], this.maxSyncBytes * 2, {
        signal,
      })
      this.mergeAll(await readJsonFrame(reader, this.maxSyncBytes, { signal }))
      await stream.close({ signal })
    } catch (err) {
      this.components.log('state sync answer failed: %s', (err as Error).message)
      stream.abort(err as Error)
    }
  }

  /** Loads the saved state from the store, if any. */
  async load(): Promise<void> {
    const { store, storeName } = this.init
    if (store == null || storeName == null) return
    const bytes = await store.get(storeName)
    if (bytes == null) return
    try {
      this.mergeAll(JSON.parse(decoder.decode(bytes)))
    } catch (err) {
      this.components.log('saved state unreadable, starting empty: %s', (err as Error).message)
    }
  }

  /** Stops saving; waits for a save under way and writes a last one. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.saveTimer != null) clearTimeout(this.saveTimer)
    await this.saving
    await this.save()
  }

  private mergeAll(writes: unknown): number {
    if (!Array.isArray(writes)) return 0
    let merged = 0
    for (const wire of writes) if (this.mergeOne(wire)) merged++
    return merged
  }

  private mergeOne(wire: unknown): boolean {
    const change = this.components.map.merge(wire)
    if (change == null) return false
    this.emit(change, false)
    return true
  }

  private emit(change: Change, local: boolean): void {
    for (const handler of this.handlers) {
      try {
        handler({ ...change, local })
      } catch (err) {
        this.components.log('a state change handler threw: %s', (err as Error).message)
      }
    }
    this.scheduleSave()
  }

  private scheduleSave(): void {
    if (this.init.store == null || this.stopped || this.saveTimer != null) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined
      this.saving = this.saving.then(() => this.save())
    }, this.init.saveDelay ?? 200)
  }

  private async save(): Promise<void> {
    const { store, storeName } = this.init
    if (store == null || storeName == null) return
    try {
      await store.put(
        storeName,
        encoder.encode(JSON.stringify(this.components.map.all() satisfies WireEntry[])),
      )
    } catch (err) {
      this.components.log('saving the state failed: %s', (err as Error).message)
    }
  }
}
