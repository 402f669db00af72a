/**
 * `getFile`: fetches a shared file from every peer of the app that has it at
 * once. Each source gets `parallelPerSource` chunk requests in flight; a chunk
 * is checked against the id's root with its proof before it is written
 * (part-file.ts), so memory is at most sources × parallelPerSource chunks,
 * whatever the file's size. A source whose requests fail is dropped (its
 * chunks go back to the queue); a source that sends a chunk outside the tree
 * is banned. Peers are asked `have` at the start and again every
 * `discoverInterval` (one not yet asked, or asked over 5 s ago), so a source
 * that appears mid-way joins in.
 */
import type { Logger, PeerId, Stream } from '@libp2p/interface'
import { CorruptChunkError, NoSourcesError, ProtocolViolationError } from './errors.js'
import { askHave, requestChunk } from './file-share.js'
import { chunkLength, decodeFileId, leafHash, toHex, verifyChunk } from './file-tree.js'
import { PartFile } from './part-file.js'

export interface FileProgress {
  /** bytes verified and on disk, resumed ones included */
  bytes: number
  /** the file's size */
  total: number
  /** bytes found verified on disk when this fetch started */
  resumedBytes: number
  /** bytes a second fetched by this run, since it started */
  rate: number
  /** peers serving chunks right now */
  peers: number
  /** peers banned during this fetch for a corrupt chunk */
  banned: string[]
}

export interface GetFileOptions {
  signal?: AbortSignal
  onProgress?: (progress: FileProgress) => void
  /** chunk requests in flight to one source (default 8: 2 MiB of 256 KiB chunks) */
  parallelPerSource?: number
  /** give up with `NoSourcesError` after this long without a source or a chunk (default 30 s) */
  findTimeout?: number
  /** how often to look for more sources (default 1 s) */
  discoverInterval?: number
  /** one chunk request's timeout (default 30 s) */
  requestTimeout?: number
  /**
   * hash the whole file again at the end and compare it with the id (default
   * false: every chunk was already checked against the id when it arrived)
   */
  verifyWhole?: boolean
}

/** What a fetch needs from the playground. */
export interface FetchComponents {
  appPeers(): PeerId[]
  openStream(peer: PeerId, signal: AbortSignal): Promise<Stream>
  isConnected(peer: PeerId): boolean
  isBanned(peer: string): boolean
  ban(peer: string, reason: string): void
  log: Logger
}

interface Source {
  peer: PeerId
  failures: number
  workers: number
}

const ASK_AGAIN_AFTER = 5_000

export async function fetchFile(
  components: FetchComponents,
  id: string,
  dest: string,
  options: GetFileOptions = {},
): Promise<void> {
  const file = decodeFileId(id)
  const part = await PartFile.open(dest, id, file)
  try {
    await part.verifyExisting()
    await new Download(components, id, part, options).run()
    await part.finish(options.verifyWhole ?? false)
  } catch (err) {
    await part.close()
    throw err
  }
}

class Download {
  private readonly sources = new Map<string, Source>()
  private readonly asked = new Map<string, number>()
  private readonly retry: number[] = []
  private readonly inFlight = new Set<number>()
  private readonly banned: string[] = []
  private cursor = 0
  private lastProgress = performance.now()
  private readonly started = performance.now()
  private readonly resumedBytes: number
  private wake?: () => void
  private failure?: Error
  private readonly rootHex: string
  private readonly parallel: number
  private readonly signal: AbortSignal

  constructor(
    private readonly components: FetchComponents,
    private readonly id: string,
    private readonly part: PartFile,
    private readonly options: GetFileOptions,
  ) {
    this.rootHex = toHex(part.file.root)
    this.resumedBytes = part.bytesDone
    this.parallel = options.parallelPerSource ?? 8
    this.signal = options.signal ?? new AbortController().signal
    if (!(this.parallel >= 1 && this.parallel <= 64)) throw new RangeError('parallelPerSource is 1 to 64')
  }

  async run(): Promise<void> {
    const findTimeout = this.options.findTimeout ?? 30_000
    const interval = this.options.discoverInterval ?? 1_000
    this.report()
    while (!this.part.complete) {
      this.signal.throwIfAborted()
      if (this.failure != null) throw this.failure
      await this.discover()
      if (this.part.complete) break
      if (
        this.sources.size === 0 &&
        this.inFlight.size === 0 &&
        performance.now() - this.lastProgress > findTimeout
      ) {
        throw new NoSourcesError(this.id, this.part.missingChunks)
      }
      this.refill()
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer)
          this.signal.removeEventListener('abort', finish)
          this.wake = undefined
          resolve()
        }
        const timer = setTimeout(finish, interval)
        this.signal.addEventListener('abort', finish, { once: true })
        this.wake = finish
      })
    }
    // workers may still be settling requests for chunks another source delivered first
    while (this.inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  /** Asks peers not asked lately whether they have the file; starts workers for those that do. */
  private async discover(): Promise<void> {
    const now = performance.now()
    const candidates = this.components.appPeers().filter((peer) => {
      const key = peer.toString()
      if (this.sources.has(key) || this.components.isBanned(key)) return false
      const asked = this.asked.get(key)
      return asked == null || now - asked > ASK_AGAIN_AFTER
    })
    await Promise.all(
      candidates.map(async (peer) => {
        const key = peer.toString()
        this.asked.set(key, now)
        try {
          const signal = AbortSignal.any([this.signal, AbortSignal.timeout(5_000)])
          const has = await askHave(await this.components.openStream(peer, signal), this.rootHex, signal)
          if (!has || this.sources.has(key) || this.part.complete) return
          const source: Source = { peer, failures: 0, workers: 0 }
          this.sources.set(key, source)
          this.components.log('fetching %s from %p', this.id, peer)
          this.refill()
        } catch (err) {
          this.components.log('asking %p for %s failed: %s', peer, this.id, (err as Error).message)
        }
      }),
    )
  }

  /** Brings every source back to `parallel` workers (a worker stops when it found nothing left to take). */
  private refill(): void {
    for (const source of this.sources.values()) {
      while (source.workers < this.parallel && this.hasWork()) void this.work(source)
    }
  }

  private hasWork(): boolean {
    return this.retry.length > 0 || this.part.missingChunks > this.inFlight.size
  }

  /** The next chunk to fetch: one that failed before, else the next missing one not in flight. */
  private take(): number | undefined {
    while (this.retry.length > 0) {
      const index = this.retry.shift()!
      if (!this.part.has(index) && !this.inFlight.has(index)) return index
    }
    while (this.cursor < this.part.count && (this.part.has(this.cursor) || this.inFlight.has(this.cursor)))
      this.cursor++
    if (this.cursor >= this.part.count) return undefined
    return this.cursor++
  }

  private async work(source: Source): Promise<void> {
    const key = source.peer.toString()
    source.workers++
    await Promise.resolve() // counted before the first await, so refill() sees it
    try {
      while (
        this.sources.get(key) === source &&
        !this.part.complete &&
        !this.signal.aborted &&
        this.failure == null
      ) {
        const index = this.take()
        if (index == null) return
        this.inFlight.add(index)
        try {
          await this.fetchChunk(source, index)
          source.failures = 0
        } catch (err) {
          this.retry.push(index)
          this.onFailure(source, index, err as Error)
        } finally {
          this.inFlight.delete(index)
          this.wake?.()
        }
      }
    } finally {
      source.workers--
    }
  }

  private async fetchChunk(source: Source, index: number): Promise<void> {
    const file = this.part.file
    const length = chunkLength(file.size, file.chunkSize, index)
    const signal = AbortSignal.any([this.signal, AbortSignal.timeout(this.options.requestTimeout ?? 30_000)])
    const stream = await this.components.openStream(source.peer, signal)
    let reply: Awaited<ReturnType<typeof requestChunk>>
    try {
      reply = await requestChunk(stream, this.rootHex, index, length, signal)
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
    if (reply == null) throw new Error(`source no longer shares ${this.id}`)
    if (!verifyChunk(file.root, this.part.count, index, reply.chunk, reply.proof)) {
      throw new CorruptChunkError(source.peer.toString(), index)
    }
    await this.part.write(index, reply.chunk, leafHash(reply.chunk))
    this.lastProgress = performance.now()
    this.report()
  }

  private onFailure(source: Source, index: number, err: Error): void {
    const key = source.peer.toString()
    if (err.name === CorruptChunkError.name || err.name === ProtocolViolationError.name) {
      if (this.banned.includes(key)) return
      this.components.ban(key, err.message)
      this.banned.push(key)
      this.sources.delete(key)
      this.report()
      return
    }
    if (this.signal.aborted) return
    source.failures++
    this.components.log('chunk %d from %p failed: %s', index, source.peer, err.message)
    if (source.failures >= 3 || !this.components.isConnected(source.peer)) {
      this.sources.delete(key)
      this.report()
    }
  }

  private report(): void {
    const elapsed = (performance.now() - this.started) / 1000
    const fetched = this.part.bytesDone - this.resumedBytes
    try {
      this.options.onProgress?.({
        bytes: this.part.bytesDone,
        total: this.part.file.size,
        resumedBytes: this.resumedBytes,
        rate: elapsed > 0 ? fetched / elapsed : 0,
        peers: this.sources.size,
        banned: [...this.banned],
      })
    } catch (err) {
      this.failure = err as Error
    }
  }
}
