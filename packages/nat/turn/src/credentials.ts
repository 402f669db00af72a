/**
 * TURN credentials: long-term (RFC 8656 §9.2, RFC 8489 §9.2) and the TURN
 * REST API's time-limited ones (draft-uberti-behave-turn-rest, coturn's
 * `use-auth-secret`): username = "<expiry unix seconds>:<user>", password =
 * base64(HMAC-SHA1(shared secret, username)).
 */
import { createHmac } from 'node:crypto'

export interface Credentials {
  username: string
  password: string
}

/**
 * Fixed credentials, or a source the client asks when it starts and again
 * when the server rejects signed credentials with 401 (REST credentials that
 * expired before the allocation was made). An allocation keeps the username
 * it was made with: RFC 8656 §9.2 has the server answer 441 to any other, so
 * new credentials serve new allocations, and a live allocation is kept alive
 * by the nonce (438 → the new NONCE, same key).
 */
export type CredentialSource =
  | Credentials
  | ((options: { signal?: AbortSignal }) => Credentials | Promise<Credentials>)

export interface RestCredentialsInit {
  /** the secret shared with the server (coturn `static-auth-secret`) */
  secret: string
  /** the user part after the timestamp (may be empty) */
  user?: string
  /** seconds the credentials are valid (86 400) */
  ttl?: number
  /** the clock, ms since the epoch (Date.now) */
  now?: () => number
}

/** One set of TURN REST API credentials valid for `ttl` seconds from now. */
export function restCredentials(init: RestCredentialsInit): Credentials {
  const ttl = init.ttl ?? 86_400
  if (!(ttl > 0) || !Number.isFinite(ttl)) throw new RangeError(`ttl must be a positive number, got ${ttl}`)
  const expiry = Math.floor((init.now ?? Date.now)() / 1000 + ttl)
  const username = init.user == null || init.user === '' ? `${expiry}` : `${expiry}:${init.user}`
  const password = createHmac('sha1', init.secret).update(username).digest('base64')
  return { username, password }
}

/** A `CredentialSource` minting fresh REST credentials each time it is asked. */
export function restCredentialSource(init: RestCredentialsInit): () => Credentials {
  return () => restCredentials(init)
}
