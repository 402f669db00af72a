/**
 * The rendezvous client: `register`, `unregister` and `discover` against any
 * rendezvous point, and, as a peer discovery module, automatic registration
 * under `namespaces` at every configured `rendezvousPoints` (refreshed before
 * the granted ttl runs out) and discovery every `discoverInterval` ms with
 * cookies, so each round asks only for what is new. Every peer learnt is
 * emitted as `'peer'` (our own registration excepted) and its signed peer
 * record handed to the peer store. One stream per request, each bounded by
 * `timeout`.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type DialTarget,
  type Logger,
  type PeerDiscovery,
  type PeerDiscoveryEvents,
  type PeerId,
  type PeerInfo,
  type PrivateKey,
  peerDiscoverySymbol,
  type Startable,
  type Stream,
  TypedEventEmitter,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { openPeerRecord, PeerRecord, RecordEnvelope } from '@weft/record'
import { anySignal, StreamReader } from '@weft/utils'
import { resolveClientConfig } from './config.js'
import { InvalidMessageError, RendezvousError, RendezvousStoppedError } from './errors.js'
import { Message } from './rendezvous.pb.js'
import { DEFAULT_MAX_RESPONSE_SIZE, nextTurn, PROTOCOL, readMessage, toNumber, writeMessage } from './wire.js'

export interface RendezvousInit {
  /** rendezvous points (multiaddrs ending in /p2p/<id>) used by the automatic mode */
  rendezvousPoints?: string[]
  /** namespaces registered and discovered automatically */
  namespaces?: string[]
  /** seconds asked for each registration (default 7 200: the spec's default) */
  ttl?: number
  /** ms between discovery rounds (default 60 000) */
  discoverInterval?: number
  /** registrations asked for per discover (default 100) */
  discoverLimit?: number
  /** ms one request may take (default 10 000) */
  timeout?: number
  /** registrations accepted in one response (default 1 000) */
  maxRegistrations?: number
}

export interface RendezvousComponents {
  peerId: PeerId
  privateKey: PrivateKey
  addressManager: { getAddresses(): Multiaddr[] }
  connectionManager: {
    openStream(target: DialTarget, protocol: string | string[], options?: AbortOptions): Promise<Stream>
  }
  peerStore?: { consumePeerRecord(buf: Uint8Array, options?: AbortOptions): Promise<boolean> }
  logger: ComponentLogger
}

export interface DiscoverOptions extends AbortOptions {
  /** omit for every namespace */
  namespace?: string
  limit?: number
  /** from the previous response: ask only for what is new since */
  cookie?: Uint8Array
}

export interface DiscoveredRegistration extends PeerInfo {
  namespace: string
  /** seconds left */
  ttl: number
  signedPeerRecord: Uint8Array
}

export interface DiscoverResult {
  registrations: DiscoveredRegistration[]
  cookie?: Uint8Array
}

const P2P = 421
/** bytes of a cookie we keep (ours are 9 plus the namespace); one per point and namespace */
const MAX_COOKIE_LENGTH = 1024
/** signed records of an answer opened between two turns of the event loop */
const OPENS_PER_TURN = 16

export class Rendezvous extends TypedEventEmitter<PeerDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [Symbol.toStringTag] = '@weft/rendezvous'
  readonly [peerDiscoverySymbol] = this
  private readonly log: Logger
  private readonly points: Multiaddr[]
  private readonly namespaces: string[]
  private readonly ttl: number
  private readonly discoverInterval: number
  private readonly discoverLimit: number
  private readonly timeout: number
  private readonly maxRegistrations: number
  /** cookie per point and namespace */
  private readonly cookies = new Map<string, Uint8Array>()
  private shutdown = new AbortController()
  private discoverTimer?: ReturnType<typeof setTimeout>
  private registerTimer?: ReturnType<typeof setTimeout>
  private started = false

  constructor(
    private readonly components: RendezvousComponents,
    init: RendezvousInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:rendezvous')
    const config = resolveClientConfig(init)
    this.points = config.rendezvousPoints.map((address) => multiaddr(address))
    this.namespaces = [...config.namespaces]
    this.ttl = config.ttl
    this.discoverInterval = config.discoverInterval
    this.discoverLimit = config.discoverLimit
    this.timeout = config.timeout
    this.maxRegistrations = config.maxRegistrations
  }

  isStarted(): boolean {
    return this.started
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.shutdown = new AbortController()
    if (this.points.length > 0 && this.namespaces.length > 0) {
      this.registerTimer = setTimeout(() => void this.registerAll(), 0)
    }
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    clearTimeout(this.discoverTimer)
    clearTimeout(this.registerTimer)
    this.discoverTimer = undefined
    this.registerTimer = undefined
    this.cookies.clear()
    this.shutdown.abort(new RendezvousStoppedError('the rendezvous client stopped'))
  }

  /** Registers us under `namespace` at `point`; resolves with the ttl granted, in seconds. */
  async register(
    point: DialTarget | string,
    namespace: string,
    options: AbortOptions & { ttl?: number } = {},
  ): Promise<number> {
    const record = new PeerRecord({
      peerId: this.components.peerId,
      // a peer record carries addresses without the /p2p/<id> suffix
      multiaddrs: this.components.addressManager
        .getAddresses()
        .map((address) => address.decapsulateCode(P2P)),
    })
    const envelope = await RecordEnvelope.seal(record, this.components.privateKey, options)
    const response = await this.request(
      point,
      {
        type: Message.MessageType.REGISTER,
        register: {
          ns: namespace,
          signedPeerRecord: envelope.marshal() as Uint8Array<ArrayBuffer>,
          ttl: BigInt(options.ttl ?? this.ttl),
        },
      },
      options,
    )
    const answer = response?.registerResponse
    if (response?.type !== Message.MessageType.REGISTER_RESPONSE || answer == null) {
      throw new RendezvousError('E_INTERNAL_ERROR', 'expected a REGISTER_RESPONSE')
    }
    checkStatus(answer.status, answer.statusText)
    return toNumber(answer.ttl) ?? options.ttl ?? this.ttl
  }

  /** Cancels our registration under `namespace` at `point` (the spec sends no answer). */
  async unregister(point: DialTarget | string, namespace: string, options: AbortOptions = {}): Promise<void> {
    await this.request(
      point,
      { type: Message.MessageType.UNREGISTER, unregister: { ns: namespace } },
      options,
      false,
    )
  }

  /** Asks `point` for registrations; invalid signed records in the answer are left out. */
  async discover(point: DialTarget | string, options: DiscoverOptions = {}): Promise<DiscoverResult> {
    const response = await this.request(
      point,
      {
        type: Message.MessageType.DISCOVER,
        discover: {
          ns: options.namespace,
          limit: options.limit == null ? undefined : BigInt(options.limit),
          cookie: options.cookie as Uint8Array<ArrayBuffer> | undefined,
        },
      },
      options,
    )
    const answer = response?.discoverResponse
    if (response?.type !== Message.MessageType.DISCOVER_RESPONSE || answer == null) {
      throw new RendezvousError('E_INTERNAL_ERROR', 'expected a DISCOVER_RESPONSE')
    }
    checkStatus(answer.status, answer.statusText)
    if (answer.cookie != null && answer.cookie.byteLength > MAX_COOKIE_LENGTH) {
      throw new InvalidMessageError(
        `a rendezvous cookie is at most ${MAX_COOKIE_LENGTH} bytes, got ${answer.cookie.byteLength}`,
      )
    }
    const registrations: DiscoveredRegistration[] = []
    for (const [index, registration] of answer.registrations.entries()) {
      // up to 1 000 signatures and records to parse: let other work run now and then
      if (index > 0 && index % OPENS_PER_TURN === 0) await nextTurn()
      if (registration.signedPeerRecord == null) continue
      try {
        const { record } = await openPeerRecord(registration.signedPeerRecord)
        registrations.push({
          id: record.peerId,
          multiaddrs: record.multiaddrs,
          namespace: registration.ns ?? '',
          ttl: toNumber(registration.ttl) ?? 0,
          // a copy: the answer's buffer may be megabytes, and callers keep records
          signedPeerRecord: registration.signedPeerRecord.slice(),
        })
      } catch (err) {
        this.log('skipping an invalid registration: %s', (err as Error).message)
      }
    }
    return { registrations, cookie: answer.cookie?.slice() }
  }

  private async request(
    point: DialTarget | string,
    message: Message,
    options: AbortOptions,
    expectAnswer = true,
  ): Promise<Message | undefined> {
    const signal = anySignal([options.signal, this.shutdown.signal], this.timeout)
    let stream: Stream | undefined
    let reader: StreamReader | undefined
    try {
      const target = typeof point === 'string' ? multiaddr(point) : point
      stream = await this.components.connectionManager.openStream(target, PROTOCOL, { signal })
      await writeMessage(stream, message, { signal })
      let answer: Message | undefined
      if (expectAnswer) {
        reader = new StreamReader(stream, { maxBufferLength: DEFAULT_MAX_RESPONSE_SIZE + 16 })
        answer = await readMessage(reader, DEFAULT_MAX_RESPONSE_SIZE, this.maxRegistrations, { signal })
      }
      await stream.close({ signal })
      return answer
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      reader?.release()
      signal.clear()
    }
  }

  /** Registers every namespace at every point, then discovers; reschedules itself before the ttl runs out. */
  private async registerAll(): Promise<void> {
    let granted = this.ttl
    await Promise.all(
      this.points.flatMap((point) =>
        this.namespaces.map(async (namespace) => {
          try {
            granted = Math.min(
              granted,
              await this.register(point, namespace, { signal: this.shutdown.signal }),
            )
          } catch (err) {
            if (this.started)
              this.log.error('registering "%s" at %a failed: %s', namespace, point, (err as Error).message)
          }
        }),
      ),
    )
    if (!this.started) return
    // refresh at 80 % of the shortest ttl granted (at least a second from now)
    this.registerTimer = setTimeout(() => void this.registerAll(), Math.max(1000, granted * 800))
    if (this.discoverTimer == null) await this.discoverAll()
  }

  private async discoverAll(): Promise<void> {
    clearTimeout(this.discoverTimer)
    this.discoverTimer = undefined
    for (const point of this.points) {
      for (const namespace of this.namespaces) {
        if (!this.started) return
        const key = `${point.toString()} ${namespace}`
        try {
          const result = await this.discover(point, {
            namespace,
            limit: this.discoverLimit,
            cookie: this.cookies.get(key),
            signal: this.shutdown.signal,
          })
          if (result.cookie != null) this.cookies.set(key, result.cookie)
          this.announce(result.registrations)
        } catch (err) {
          if (!this.started) return
          this.log.error('discovering "%s" at %a failed: %s', namespace, point, (err as Error).message)
          // a point may forget us, or our cookie: start over next time
          this.cookies.delete(key)
        }
      }
    }
    if (this.started) this.discoverTimer = setTimeout(() => void this.discoverAll(), this.discoverInterval)
  }

  private announce(registrations: DiscoveredRegistration[]): void {
    for (const registration of registrations) {
      if (!this.started) return
      if (registration.id.equals(this.components.peerId)) continue
      this.components.peerStore
        ?.consumePeerRecord(registration.signedPeerRecord, { signal: this.shutdown.signal })
        .catch((err: Error) =>
          this.log('peer store refused the record of %p: %s', registration.id, err.message),
        )
      this.safeDispatchEvent('peer', { detail: { id: registration.id, multiaddrs: registration.multiaddrs } })
    }
  }
}

function checkStatus(status: Message.ResponseStatus | undefined, text: string | undefined): void {
  if (status == null || status === Message.ResponseStatus.OK) return
  throw new RendezvousError(
    status,
    `the rendezvous point answered ${status}${text == null ? '' : `: ${text}`}`,
  )
}
