/**
 * Long-term credentials and the authenticated request (RFC 8656 §9.2): a
 * request is signed once a realm and nonce are known; a 401 teaches them
 * (or, once known, asks the source for fresh credentials), a 438 brings a
 * new nonce. At most four tries. Error responses become typed errors.
 */
import type { Logger } from '@libp2p/interface'
import { type Attribute, findAttribute, longTermKey, type Message, TurnAttributeType } from '@weft/stun'
import type { CredentialSource, Credentials } from './credentials.js'
import { errorForCode, TurnClosedError, UnauthorizedError } from './errors.js'
import type { Link } from './link.js'
import { attribute, methodName, textOf } from './wire.js'

/** One authenticated request: `attributes` gets the transaction id. */
export type TurnRequest = (
  method: number,
  attributes: (transactionId: Uint8Array) => Attribute[],
  signal?: AbortSignal,
) => Promise<Message>

export interface AuthenticatorInit {
  credentials: CredentialSource
  software?: string
  log: Logger
  /** counts the 438s (a nonce expired) and the credentials the source renewed after a 401 */
  stats: { staleNonces: number; credentialRenewals: number }
  /** the link requests go over now; undefined once it is gone */
  link(): Link | undefined
  /** the source gave another username while `link` was in use */
  onUsernameChange(link: Link, signal?: AbortSignal): Promise<void>
}

interface Auth {
  credentials: Credentials
  realm?: string
  nonce?: string
  key?: Uint8Array
}

export class Authenticator {
  private auth?: Auth

  constructor(private readonly init: AuthenticatorInit) {}

  /** USERNAME, REALM and NONCE and the key to sign with, once a realm and nonce are known. */
  attributes(): { attributes: Attribute[]; key?: Uint8Array } {
    const auth = this.auth
    if (auth?.realm == null || auth.nonce == null || auth.key == null) return { attributes: [] }
    return {
      key: auth.key,
      attributes: [
        { type: 'username', value: auth.credentials.username },
        attribute(TurnAttributeType.REALM, new TextEncoder().encode(auth.realm)),
        attribute(TurnAttributeType.NONCE, new TextEncoder().encode(auth.nonce)),
      ],
    }
  }

  /** Takes the NONCE of a response seen elsewhere. */
  updateNonce(response: Message): void {
    const nonce = textOf(response, TurnAttributeType.NONCE)
    if (nonce != null && this.auth != null) this.auth.nonce = nonce
  }

  async request(
    method: number,
    attributes: (transactionId: Uint8Array) => Attribute[],
    signal?: AbortSignal,
    timeout?: number,
  ): Promise<Message> {
    if (this.init.link() == null) throw new TurnClosedError()
    this.auth ??= {
      credentials:
        typeof this.init.credentials === 'function'
          ? await this.init.credentials({ signal })
          : this.init.credentials,
    }
    const auth = this.auth
    const deadline =
      timeout == null
        ? signal
        : AbortSignal.any([AbortSignal.timeout(timeout), ...(signal == null ? [] : [signal])])
    let renewed = false
    for (let attempt = 0; ; attempt++) {
      const signed = auth.key != null
      const link = this.init.link()
      if (link == null) throw new TurnClosedError()
      const response = await link.transact(
        method,
        (id) => {
          const list = attributes(id)
          if (this.init.software != null) list.push({ type: 'software', value: this.init.software })
          return [...list, ...this.attributes().attributes]
        },
        auth.key,
        deadline,
      )
      if (response.class === 'success') return response
      const error = findAttribute(response, 'error-code')
      const code = error?.code ?? 0
      const reason = error?.reason ?? 'no ERROR-CODE'
      if (attempt < 3 && (code === 401 || code === 438)) {
        const realm = textOf(response, TurnAttributeType.REALM) ?? auth.realm
        const nonce = textOf(response, TurnAttributeType.NONCE)
        if (realm != null && nonce != null) {
          const username = auth.credentials.username
          const retry = code === 438 || !signed || (!renewed && (await this.renewCredentials(signal)))
          if (retry && username !== auth.credentials.username) await this.init.onUsernameChange(link, signal)
          if (code === 401 && signed) renewed = true
          if (code === 438) this.init.stats.staleNonces++
          if (retry) {
            auth.realm = realm
            auth.nonce = nonce
            auth.key = longTermKey(auth.credentials.username, realm, auth.credentials.password)
            this.init.log.trace('%s: %d, again with realm %s', methodName(method), code, realm)
            continue
          }
        }
      }
      if (code === 401) throw new UnauthorizedError(code, reason, methodName(method))
      throw errorForCode(code, reason, methodName(method))
    }
  }

  private async renewCredentials(signal?: AbortSignal): Promise<boolean> {
    const source = this.init.credentials
    if (typeof source !== 'function') return false
    const credentials = await source({ signal })
    const auth = this.auth
    if (auth == null) return true
    const changed =
      credentials.username !== auth.credentials.username || credentials.password !== auth.credentials.password
    if (changed) this.init.stats.credentialRenewals++
    auth.credentials = credentials
    if (auth.realm != null) auth.key = longTermKey(credentials.username, auth.realm, credentials.password)
    return changed
  }
}
