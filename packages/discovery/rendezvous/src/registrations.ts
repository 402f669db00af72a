/**
 * The rendezvous point's table of registrations (pure: no I/O, the clock is
 * passed in). Rules from libp2p/specs rendezvous/README.md, "Registration
 * Lifetime" and "Recommendations for Rendezvous Points":
 *
 * - a registration lives `ttl` seconds (default 2 h; refused outside
 *   `[minTtl, maxTtl]`, by default 2 h–72 h); registering again replaces it;
 * - a peer holds at most `maxRegistrationsPerPeer` (1 000) registrations and
 *   `maxBytesPerPeer` (1 MiB) of stored bytes, the table at most
 *   `maxRegistrations` (100 000) and `maxBytes` (32 MiB); beyond them the
 *   request is refused with E_UNAVAILABLE. Stored bytes are the signed peer
 *   record's plus the namespace's; the record is copied, so nothing else it
 *   was cut from is kept alive. A record over `maxRecordSize` (8 KiB) is
 *   refused with E_INVALID_SIGNED_PEER_RECORD;
 * - a namespace is 1–255 bytes;
 * - discovery returns at most `maxDiscoverLimit` (1 000) registrations and at
 *   most the byte budget it is given (but always one, if any is left), in the
 *   order they were made, and a cookie; given that cookie again it returns
 *   only registrations made since, so a client pages through everything.
 *
 * Cookies are opaque to clients: a version byte, the 8-byte big-endian
 * sequence number of the last registration returned, and the namespace
 * (empty for "all namespaces"). A cookie for another namespace, or one that
 * does not parse, is refused with E_INVALID_COOKIE.
 *
 * Work per request does not grow with the table: registrations are kept in
 * sequence order (a cookie is a binary search away), expired ones met by
 * discovery are dropped on the spot, and full sweeps run from the server's
 * timer or, when a limit is reached, at most once a second.
 */
import { SequenceList } from './sequence-list.js'

export interface RegistrationLimits {
  /** seconds (default 7 200) */
  minTtl: number
  /** seconds (default 259 200) */
  maxTtl: number
  /** seconds given when the client names none (default 7 200) */
  defaultTtl: number
  maxNamespaceLength: number
  maxRegistrationsPerPeer: number
  maxRegistrations: number
  maxDiscoverLimit: number
  /** bytes of one signed peer record (default 8 KiB) */
  maxRecordSize: number
  /** stored bytes (records and namespaces) one peer may hold (default 1 MiB) */
  maxBytesPerPeer: number
  /** stored bytes (records and namespaces) of the whole table (default 32 MiB) */
  maxBytes: number
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = {
  minTtl: 2 * 60 * 60,
  maxTtl: 72 * 60 * 60,
  defaultTtl: 2 * 60 * 60,
  maxNamespaceLength: 255,
  maxRegistrationsPerPeer: 1000,
  maxRegistrations: 100_000,
  maxDiscoverLimit: 1000,
  maxRecordSize: 8 * 1024,
  maxBytesPerPeer: 1024 * 1024,
  maxBytes: 32 * 1024 * 1024,
}

/**
 * Upper bound of the bytes a registration takes in a DISCOVER_RESPONSE
 * beyond its namespace and record: the field tags, length varints and ttl.
 */
export const REGISTRATION_WIRE_OVERHEAD = 32

export interface Registration {
  namespace: string
  /** the registering peer, as a string */
  peer: string
  /** the signed peer record (an envelope), a copy of the bytes received */
  signedPeerRecord: Uint8Array<ArrayBuffer>
  /** seconds granted */
  ttl: number
  /** epoch ms */
  expires: number
  /** order of registration, for cookies */
  sequence: number
  /** stored bytes counted against the limits: the record's and the namespace's */
  size: number
}

export type Refusal =
  | 'E_INVALID_NAMESPACE'
  | 'E_INVALID_SIGNED_PEER_RECORD'
  | 'E_INVALID_TTL'
  | 'E_INVALID_COOKIE'
  | 'E_UNAVAILABLE'
  | 'E_NOT_AUTHORIZED'

export class RegistrationRefusedError extends Error {
  static override name = 'RegistrationRefusedError'
  override name = 'RegistrationRefusedError'
  constructor(
    readonly status: Refusal,
    message: string,
  ) {
    super(message)
  }
}

const COOKIE_VERSION = 1
/** a full sweep of the table, when a limit is reached, at most this often (ms) */
const SWEEP_INTERVAL = 1000
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

interface Namespace {
  byPeer: Map<string, Registration>
  ordered: SequenceList<Registration>
}

interface Holding {
  count: number
  bytes: number
}

export class Registrations {
  readonly limits: Readonly<RegistrationLimits>
  private readonly byNamespace = new Map<string, Namespace>()
  /** every registration, for discovery across all namespaces */
  private readonly ordered = new SequenceList<Registration>()
  private readonly perPeer = new Map<string, Holding>()
  private totalBytes = 0
  private sequence = 0
  private lastSweep = Number.NEGATIVE_INFINITY

  constructor(limits: Partial<RegistrationLimits> = {}) {
    this.limits = { ...DEFAULT_REGISTRATION_LIMITS, ...limits }
    if (!(this.limits.minTtl > 0 && this.limits.minTtl <= this.limits.maxTtl)) {
      throw new RangeError(`need 0 < minTtl ≤ maxTtl, got ${this.limits.minTtl} and ${this.limits.maxTtl}`)
    }
    for (const name of ['maxRecordSize', 'maxBytesPerPeer', 'maxBytes'] as const) {
      if (!(this.limits[name] > 0)) throw new RangeError(`${name} must be positive, got ${this.limits[name]}`)
    }
  }

  get size(): number {
    return this.ordered.size
  }

  /** Stored bytes (records and namespaces) of every registration. */
  get bytes(): number {
    return this.totalBytes
  }

  /** Stored bytes (records and namespaces) of `peer`'s registrations. */
  bytesOf(peer: string): number {
    return this.perPeer.get(peer)?.bytes ?? 0
  }

  checkNamespace(namespace: string | undefined, allowEmpty = false): string {
    const ns = namespace ?? ''
    if ((ns === '' && !allowEmpty) || encoder.encode(ns).byteLength > this.limits.maxNamespaceLength) {
      throw new RegistrationRefusedError(
        'E_INVALID_NAMESPACE',
        `a namespace is 1 to ${this.limits.maxNamespaceLength} bytes, got ${ns.length} characters`,
      )
    }
    return ns
  }

  /** Refuses a signed peer record over `maxRecordSize` before anyone spends work on it. */
  checkRecordSize(size: number): void {
    if (size > this.limits.maxRecordSize) {
      throw new RegistrationRefusedError(
        'E_INVALID_SIGNED_PEER_RECORD',
        `a signed peer record is at most ${this.limits.maxRecordSize} bytes, got ${size}`,
      )
    }
  }

  /**
   * Throws the refusal `register` would throw now (bad namespace, record size
   * or ttl, or no room), without registering: lets the server refuse before
   * it spends work on the record's signature.
   */
  check(
    input: { namespace: string; peer: string; signedPeerRecord: Uint8Array; ttl?: number },
    now: number,
  ): { namespace: string; ttl: number; size: number } {
    const namespace = this.checkNamespace(input.namespace)
    this.checkRecordSize(input.signedPeerRecord.byteLength)
    const ttl = input.ttl == null || input.ttl === 0 ? this.limits.defaultTtl : input.ttl
    if (!(ttl >= this.limits.minTtl && ttl <= this.limits.maxTtl)) {
      throw new RegistrationRefusedError(
        'E_INVALID_TTL',
        `ttl must be ${this.limits.minTtl} to ${this.limits.maxTtl} seconds, got ${ttl}`,
      )
    }
    const size = input.signedPeerRecord.byteLength + encoder.encode(namespace).byteLength
    let refusal = this.refusal(namespace, input.peer, size)
    if (refusal != null && now - this.lastSweep >= SWEEP_INTERVAL) {
      // expired registrations may hold the room: sweep, then look again
      this.expire(now)
      refusal = this.refusal(namespace, input.peer, size)
    }
    if (refusal != null) throw new RegistrationRefusedError('E_UNAVAILABLE', refusal)
    return { namespace, ttl, size }
  }

  /** Adds or replaces `peer`'s registration under `namespace`; returns it. */
  register(
    input: { namespace: string; peer: string; signedPeerRecord: Uint8Array; ttl?: number },
    now: number,
  ): Registration {
    const { namespace, ttl, size } = this.check(input, now)
    const existing = this.byNamespace.get(namespace)?.byPeer.get(input.peer)
    if (existing != null) this.remove(existing)
    const registration: Registration = {
      namespace,
      peer: input.peer,
      // a copy: the bytes received may be a view into a larger buffer
      signedPeerRecord: input.signedPeerRecord.slice() as Uint8Array<ArrayBuffer>,
      ttl,
      expires: now + ttl * 1000,
      sequence: ++this.sequence,
      size,
    }
    let entry = this.byNamespace.get(namespace)
    if (entry == null) {
      entry = { byPeer: new Map(), ordered: new SequenceList() }
      this.byNamespace.set(namespace, entry)
    }
    entry.byPeer.set(input.peer, registration)
    entry.ordered.push(registration)
    this.ordered.push(registration)
    const holding = this.perPeer.get(input.peer) ?? { count: 0, bytes: 0 }
    holding.count++
    holding.bytes += size
    this.perPeer.set(input.peer, holding)
    this.totalBytes += size
    return registration
  }

  /** Removes `peer`'s registration under `namespace`, if any (a no-op otherwise, as the spec says). */
  unregister(namespace: string, peer: string): void {
    const existing = this.byNamespace.get(namespace)?.byPeer.get(peer)
    if (existing != null) this.remove(existing)
  }

  /**
   * Registrations under `namespace` (all when empty) made after the cookie's,
   * at most `limit` (0 or absent: `maxDiscoverLimit`) and at most `maxBytes`
   * on the wire (each counted as its stored bytes plus
   * REGISTRATION_WIRE_OVERHEAD; the first is returned whatever its size), and
   * the cookie that continues after the last one returned.
   */
  discover(
    namespace: string | undefined,
    limit: number | undefined,
    cookie: Uint8Array | undefined,
    now: number,
    maxBytes = Number.POSITIVE_INFINITY,
  ): { registrations: Registration[]; cookie: Uint8Array<ArrayBuffer>; bytes: number } {
    const ns = this.checkNamespace(namespace, true)
    const after = cookie == null || cookie.byteLength === 0 ? 0 : parseCookie(cookie, ns)
    const max = Math.min(
      limit == null || limit <= 0 ? this.limits.maxDiscoverLimit : limit,
      this.limits.maxDiscoverLimit,
    )
    const source = ns === '' ? this.ordered : this.byNamespace.get(ns)?.ordered
    const registrations: Registration[] = []
    let bytes = 0
    let last = after
    for (const registration of source?.after(after) ?? []) {
      if (registration.expires <= now) {
        this.remove(registration)
        continue
      }
      if (registrations.length >= max) break
      const wireSize = registration.size + REGISTRATION_WIRE_OVERHEAD
      if (registrations.length > 0 && bytes + wireSize > maxBytes) break
      registrations.push(registration)
      bytes += wireSize
      last = registration.sequence
    }
    return { registrations, cookie: makeCookie(last, ns), bytes }
  }

  /** Drops every registration whose time has come. */
  expire(now: number): void {
    this.lastSweep = now
    for (const registration of this.ordered.after(0)) {
      if (registration.expires <= now) this.remove(registration)
    }
  }

  clear(): void {
    this.byNamespace.clear()
    this.ordered.clear()
    this.perPeer.clear()
    this.totalBytes = 0
  }

  /** Why `peer` may not store `size` more bytes under `namespace`, or undefined. */
  private refusal(namespace: string, peer: string, size: number): string | undefined {
    // a registration being replaced gives its room back
    const existing = this.byNamespace.get(namespace)?.byPeer.get(peer)
    const holding = this.perPeer.get(peer) ?? { count: 0, bytes: 0 }
    const peerCount = holding.count - (existing == null ? 0 : 1)
    const peerBytes = holding.bytes - (existing?.size ?? 0) + size
    const totalCount = this.size - (existing == null ? 0 : 1)
    const totalBytes = this.totalBytes - (existing?.size ?? 0) + size
    if (peerCount >= this.limits.maxRegistrationsPerPeer) {
      return `a peer may hold at most ${this.limits.maxRegistrationsPerPeer} registrations`
    }
    if (peerBytes > this.limits.maxBytesPerPeer) {
      return `a peer may store at most ${this.limits.maxBytesPerPeer} bytes of registrations, this would make ${peerBytes}`
    }
    if (totalCount >= this.limits.maxRegistrations) {
      return `the rendezvous point is full: it holds ${this.limits.maxRegistrations} registrations`
    }
    if (totalBytes > this.limits.maxBytes) {
      return `the rendezvous point is full: it stores at most ${this.limits.maxBytes} bytes of registrations`
    }
    return undefined
  }

  private remove(registration: Registration): void {
    const entry = this.byNamespace.get(registration.namespace)
    if (entry?.byPeer.get(registration.peer) !== registration) return
    entry.byPeer.delete(registration.peer)
    entry.ordered.delete(registration)
    if (entry.byPeer.size === 0) this.byNamespace.delete(registration.namespace)
    this.ordered.delete(registration)
    const holding = this.perPeer.get(registration.peer)
    if (holding != null) {
      holding.count--
      holding.bytes -= registration.size
      if (holding.count <= 0) this.perPeer.delete(registration.peer)
    }
    this.totalBytes -= registration.size
  }
}

function makeCookie(sequence: number, namespace: string): Uint8Array<ArrayBuffer> {
  const ns = encoder.encode(namespace)
  const out = new Uint8Array(9 + ns.byteLength)
  out[0] = COOKIE_VERSION
  new DataView(out.buffer).setBigUint64(1, BigInt(sequence))
  out.set(ns, 9)
  return out
}

function parseCookie(cookie: Uint8Array, namespace: string): number {
  if (cookie.byteLength < 9 || cookie.byteLength > 9 + 1024 || cookie[0] !== COOKIE_VERSION) {
    throw new RegistrationRefusedError('E_INVALID_COOKIE', 'the cookie was not made by this rendezvous point')
  }
  let ns: string
  try {
    ns = decoder.decode(cookie.subarray(9))
  } catch {
    throw new RegistrationRefusedError('E_INVALID_COOKIE', 'the cookie was not made by this rendezvous point')
  }
  if (ns !== namespace) {
    throw new RegistrationRefusedError(
      'E_INVALID_COOKIE',
      `the cookie is for namespace "${ns}", not "${namespace}"`,
    )
  }
  const sequence = new DataView(cookie.buffer, cookie.byteOffset, cookie.byteLength).getBigUint64(1)
  if (sequence > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RegistrationRefusedError('E_INVALID_COOKIE', 'the cookie is out of range')
  }
  return Number(sequence)
}
