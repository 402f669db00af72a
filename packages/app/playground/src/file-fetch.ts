/**
 * `getFile`: fetches a shared file from every peer of the app that has it at
 * once. Each source gets one session (file-session.ts): one stream with
 * `parallelPerSource` chunk requests pipelined on it; a chunk is checked
 * against the id's root with its proof before it is written (part-file.ts),
 * so memory is at most sources × a few chunks, whatever the file's size. A
 * source whose session fails is dropped after three failures in a row (its
 * chunks go back to the queue); a source that sends a chunk outside the tree
 * is banned. Peers are asked `have` at the start and again every
 * `discoverInterval` (one not yet asked, or asked over 5 s ago), so a source
 * that appears mid-way joins in.
 */
import type { Logger, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { CorruptChunkError, NoSourcesError, ProtocolViolationError } from './errors.js'
import { ChunkSession } from './file-session.js'
import { askHave, MAX_CONTROL_BYTES } from './file-share.js'
import { chunkLength, decodeFileId, toHex, verifyLeaf } from './file-tree.js'
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
  /** chunk requests pipelined to one source (default 16: 4 MiB of 256 KiB chunks) */
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
  /** whether its session is running */
  active: boolean
}

const ASK_AGAIN_AFTER = 5_000
/** chunks one session may have verified and waiting for the disk before it reads the next answer */
const WRITES_AHEAD = 2

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
  /** the last chunk write queued: writes go to the part file one after another */
  private writes: Promise<void> = Promise.resolve()
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
    this.parallel = options.parallelPerSource ?? 16
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
    // sessions may still be settling requests for chunks another source delivered first
    while (this.inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  /** Asks peers not asked lately whether they have the file; starts sessions with those that do. */
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
          const source: Source = { peer, failures: 0, active: false }
          this.sources.set(key, source)
          this.components.log('fetching %s from %p', this.id, peer)
          this.refill()
        } catch (err) {
          this.components.log('asking %p for %s failed: %s', peer, this.id, (err as Error).message)
        }
      }),
    )
  }

  /** Starts a session for every source without one, while chunks are left to ask for. */
  private refill(): void {
    for (const source of this.sources.values()) {
      if (!source.active && this.hasWork()) void this.runSession(source)
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

  /**
   * One session with `source`: keeps `parallel` requests out, takes the
   * answers in order and verifies each; writing a chunk overlaps with
   * receiving the next ones (at most `WRITES_AHEAD` a session wait for the
   * disk). Ends when nothing is left to ask; on a failure the chunks asked
   * and not written go back to the queue.
   */
  private async runSession(source: Source): Promise<void> {
    const key = source.peer.toString()
    const file = this.part.file
    const asked: number[] = []
    const writing = new Map<number, Promise<void>>()
    let session: ChunkSession | undefined
    let idleTimer: ReturnType<typeof setTimeout> | undefined
    source.active = true
    try {
      // one timer for the session, restarted for each answer: an answer that takes longer fails the session
      const timeout = this.options.requestTimeout ?? 30_000
      const idle = new AbortController()
      idleTimer = setTimeout(
        () => idle.abort(new DOMException(`no answer within ${timeout} ms`, 'TimeoutError')),
        timeout,
      )
      const signal = AbortSignal.any([this.signal, idle.signal])
      session = await ChunkSession.open(
        await this.components.openStream(source.peer, signal),
        this.rootHex,
        // every answer asked for, with its header
        (this.parallel + 1) * (file.chunkSize + MAX_CONTROL_BYTES),
        signal,
      )
      if (session == null) throw new Error(`source no longer shares ${this.id}`)
      while (this.sources.get(key) === source && !this.signal.aborted && this.failure == null) {
        // top up once half the requests are answered: fewer, larger writes than one request an answer
        if (asked.length <= this.parallel >> 1) {
          const batch: number[] = []
          while (asked.length < this.parallel) {
            const index = this.take()
            if (index == null) break
            this.inFlight.add(index)
            asked.push(index)
            batch.push(index)
          }
          session.request(batch)
        }
        const index = asked[0]
        if (index == null) break
        idleTimer.refresh()
        const reply = await session.reply(index, chunkLength(file.size, file.chunkSize, index), signal)
        if (reply == null) throw new Error(`source no longer shares ${this.id}`)
        if (!verifyLeaf(file.root, this.part.count, index, reply.leaf, reply.proof)) {
          throw new CorruptChunkError(key, index)
        }
        asked.shift()
        source.failures = 0
        const written = this.write(index, reply.chunk, reply.leaf)
        writing.set(index, written)
        void written.then(() => writing.delete(index))
        if (writing.size >= WRITES_AHEAD) await writing.values().next().value
      }
      await Promise.all(writing.values())
      await session.close(AbortSignal.timeout(5_000))
    } catch (err) {
      session?.abort(err as Error)
      this.onFailure(source, asked[0], err as Error)
    } finally {
      clearTimeout(idleTimer)
      await Promise.allSettled(writing.values())
      for (const index of [...asked, ...writing.keys()]) {
        this.inFlight.delete(index)
        if (!this.part.has(index)) this.retry.push(index)
      }
      source.active = false
      this.wake?.()
    }
  }

  /**
   * Writes a verified chunk after every chunk queued before it, whichever
   * session it came from (so the part file sees one write at a time), unless
   * the fetch was stopped meanwhile. A disk error ends the whole fetch.
   */
  private write(index: number, chunk: Uint8ArrayList, leaf: Uint8Array): Promise<void> {
    const written = this.writes.then(async () => {
      if (this.signal.aborted || this.failure != null) return
      try {
        await this.part.write(index, chunk, leaf)
      } catch (err) {
        this.failure ??= err as Error
        this.wake?.()
        return
      }
      this.inFlight.delete(index)
      this.lastProgress = performance.now()
      this.report()
    })
    this.writes = written
    return written
  }

  private onFailure(source: Source, index: number | undefined, err: Error): void {
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
    this.components.log('chunk %s from %p failed: %s', index ?? '-', source.peer, err.message)
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
