/**
 * The rendezvous point's table of registrations (pure: no I/O, the clock is
 * passed in). Rules from libp2p/specs rendezvous/README.md, "Registration
 * Lifetime" and "Recommendations for Rendezvous Points":
 *
 * - a registration lives `ttl` seconds (default 2 h; refused outside
 *   `[minTtl, maxTtl]`, by default 2 h–72 h); registering again replaces it;
 * - a peer holds at most `maxRegistrationsPerPeer` (1 000), the table at most
 *   `maxRegistrations` (100 000); beyond them the request is refused;
 * - a namespace is 1–255 bytes;
 * - discovery returns at most `maxDiscoverLimit` (1 000) registrations, in
 *   the order they were made, and a cookie; given that cookie again it
 *   returns only registrations made since.
 *
 * Cookies are opaque to clients: a version byte, the 8-byte big-endian
 * sequence number of the last registration returned, and the namespace
 * (empty for "all namespaces"). A cookie for another namespace, or one that
 * does not parse, is refused with E_INVALID_COOKIE.
 */

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
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = {
  minTtl: 2 * 60 * 60,
  maxTtl: 72 * 60 * 60,
  defaultTtl: 2 * 60 * 60,
  maxNamespaceLength: 255,
  maxRegistrationsPerPeer: 1000,
  maxRegistrations: 100_000,
  maxDiscoverLimit: 1000,
}

export interface Registration {
  namespace: string
  /** the registering peer, as a string */
  peer: string
  /** the signed peer record (an envelope), as received */
  signedPeerRecord: Uint8Array<ArrayBuffer>
  /** seconds granted */
  ttl: number
  /** epoch ms */
  expires: number
  /** order of registration, for cookies */
  sequence: number
}

export type Refusal =
  | 'E_INVALID_NAMESPACE'
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
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export class Registrations {
  private readonly limits: RegistrationLimits
  /** namespace → peer → registration, in registration order */
  private readonly byNamespace = new Map<string, Map<string, Registration>>()
  private readonly perPeer = new Map<string, number>()
  private total = 0
  private sequence = 0

  constructor(limits: Partial<RegistrationLimits> = {}) {
    this.limits = { ...DEFAULT_REGISTRATION_LIMITS, ...limits }
    if (!(this.limits.minTtl > 0 && this.limits.minTtl <= this.limits.maxTtl)) {
      throw new RangeError(`need 0 < minTtl ≤ maxTtl, got ${this.limits.minTtl} and ${this.limits.maxTtl}`)
    }
  }

  get size(): number {
    return this.total
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

  /** Adds or replaces `peer`'s registration under `namespace`; returns it. */
  register(
    input: { namespace: string; peer: string; signedPeerRecord: Uint8Array<ArrayBuffer>; ttl?: number },
    now: number,
  ): Registration {
    const namespace = this.checkNamespace(input.namespace)
    const ttl = input.ttl == null || input.ttl === 0 ? this.limits.defaultTtl : input.ttl
    if (!(ttl >= this.limits.minTtl && ttl <= this.limits.maxTtl)) {
      throw new RegistrationRefusedError(
        'E_INVALID_TTL',
        `ttl must be ${this.limits.minTtl} to ${this.limits.maxTtl} seconds, got ${ttl}`,
      )
    }
    this.expire(now)
    const peers = this.byNamespace.get(namespace)
    const existing = peers?.get(input.peer)
    if (existing == null) {
      if ((this.perPeer.get(input.peer) ?? 0) >= this.limits.maxRegistrationsPerPeer) {
        throw new RegistrationRefusedError(
          'E_UNAVAILABLE',
          `a peer may hold at most ${this.limits.maxRegistrationsPerPeer} registrations`,
        )
      }
      if (this.total >= this.limits.maxRegistrations) {
        throw new RegistrationRefusedError('E_UNAVAILABLE', 'the rendezvous point is full')
      }
    } else {
      this.remove(existing)
    }
    const registration: Registration = {
      namespace,
      peer: input.peer,
      signedPeerRecord: input.signedPeerRecord,
      ttl,
      expires: now + ttl * 1000,
      sequence: ++this.sequence,
    }
    let map = this.byNamespace.get(namespace)
    if (map == null) {
      map = new Map()
      this.byNamespace.set(namespace, map)
    }
    map.set(input.peer, registration)
    this.perPeer.set(input.peer, (this.perPeer.get(input.peer) ?? 0) + 1)
    this.total++
    return registration
  }

  /** Removes `peer`'s registration under `namespace`, if any (a no-op otherwise, as the spec says). */
  unregister(namespace: string, peer: string): void {
    const existing = this.byNamespace.get(namespace)?.get(peer)
    if (existing != null) this.remove(existing)
  }

  /**
   * Registrations under `namespace` (all when empty) made after the cookie's,
   * at most `limit` (0 or absent: `maxDiscoverLimit`), and the next cookie.
   */
  discover(
    namespace: string | undefined,
    limit: number | undefined,
    cookie: Uint8Array | undefined,
    now: number,
  ): { registrations: Registration[]; cookie: Uint8Array<ArrayBuffer> } {
    const ns = this.checkNamespace(namespace, true)
    const after = cookie == null || cookie.byteLength === 0 ? 0 : parseCookie(cookie, ns)
    const max = Math.min(
      limit == null || limit <= 0 ? this.limits.maxDiscoverLimit : limit,
      this.limits.maxDiscoverLimit,
    )
    this.expire(now)
    let candidates: Registration[]
    if (ns !== '') {
      candidates = [...(this.byNamespace.get(ns)?.values() ?? [])]
    } else {
      candidates = [...this.byNamespace.values()].flatMap((map) => [...map.values()])
      candidates.sort((a, b) => a.sequence - b.sequence)
    }
    const registrations: Registration[] = []
    let last = after
    for (const registration of candidates) {
      if (registration.sequence <= after) continue
      if (registrations.length >= max) break
      registrations.push(registration)
      last = registration.sequence
    }
    return { registrations, cookie: makeCookie(last, ns) }
  }

  /** Drops every registration whose time has come. */
  expire(now: number): void {
    for (const map of this.byNamespace.values()) {
      for (const registration of map.values()) {
        if (registration.expires <= now) this.remove(registration)
      }
    }
  }

  clear(): void {
    this.byNamespace.clear()
    this.perPeer.clear()
    this.total = 0
  }

  private remove(registration: Registration): void {
    const map = this.byNamespace.get(registration.namespace)
    if (map?.get(registration.peer) !== registration) return
    map.delete(registration.peer)
    if (map.size === 0) this.byNamespace.delete(registration.namespace)
    const count = (this.perPeer.get(registration.peer) ?? 1) - 1
    if (count <= 0) this.perPeer.delete(registration.peer)
    else this.perPeer.set(registration.peer, count)
    this.total--
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
