/**
 * A small TURN server for unit tests on loopback (UDP): long-term
 * credentials (401 with REALM and NONCE, then MESSAGE-INTEGRITY checked with
 * MD5(username:realm:password)), Allocate / Refresh / CreatePermission /
 * ChannelBind answered with success or with a scripted error, and hooks to
 * send anything to the client (forgeries, indications, ChannelData).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import {
  type Attribute,
  decodeMessage,
  encodeMessage,
  findAttribute,
  isStunMessage,
  longTermKey,
  type Message,
  TurnAttributeType,
  TurnMethod,
  verifyIntegrity,
  xorAddressAttribute,
} from '@weft/stun'

export const REALM = 'fake.test'

export interface Received {
  message: Message
  signed: boolean
  from: RemoteInfo
}

export interface FakeTurnOptions {
  users?: Record<string, string>
  /** seconds granted for allocations (600) */
  lifetime?: number
}

function other(code: number, value: Uint8Array): Attribute {
  return { type: 'other', code, value }
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value)
  return out
}

export class FakeTurnServer {
  readonly received: Received[] = []
  /** per method: error codes to answer with, in turn (consumed) */
  readonly script = new Map<number, number[]>()
  /** called before each answer; may send forgeries first */
  beforeAnswer?: (request: Message, from: RemoteInfo) => void
  nonce = 'nonce-1'
  private constructor(
    readonly socket: Socket,
    readonly options: FakeTurnOptions,
  ) {
    socket.on('message', (data, from) => this.onMessage(data, from))
  }

  static async start(options: FakeTurnOptions = {}): Promise<FakeTurnServer> {
    const socket = createSocket('udp4')
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
    return new FakeTurnServer(socket, options)
  }

  get port(): number {
    return this.socket.address().port
  }

  methods(): number[] {
    return this.received.map((r) => r.message.method)
  }

  send(bytes: Uint8Array, to: { port: number }): void {
    this.socket.send(bytes, to.port, '127.0.0.1')
  }

  close(): void {
    this.socket.close()
  }

  respond(request: Message, to: RemoteInfo, attributes: Attribute[], key?: Uint8Array, error?: number): void {
    const errorAttributes: Attribute[] =
      error == null ? [] : [{ type: 'error-code', code: error, reason: `scripted ${error}` }]
    this.send(
      encodeMessage(
        {
          method: request.method,
          class: error == null ? 'success' : 'error',
          transactionId: request.transactionId,
          attributes: [...errorAttributes, ...attributes],
        },
        { integrity: key == null ? undefined : { key }, fingerprint: true },
      ),
      to,
    )
  }

  private onMessage(data: Buffer, from: RemoteInfo): void {
    if (!isStunMessage(data)) return
    let message: Message
    try {
      message = decodeMessage(data)
    } catch {
      return
    }
    if (message.class !== 'request') return
    const username = findAttribute(message, 'username')?.value
    const password = username == null ? undefined : this.options.users?.[username]
    const key = username == null || password == null ? undefined : longTermKey(username, REALM, password)
    let signed = false
    if (key != null) {
      try {
        verifyIntegrity(data, key)
        signed = true
      } catch {
        signed = false
      }
    }
    this.received.push({ message, signed, from })
    const challenge = [
      other(TurnAttributeType.REALM, new TextEncoder().encode(REALM)),
      other(TurnAttributeType.NONCE, new TextEncoder().encode(this.nonce)),
    ]
    if (!signed) {
      this.respond(message, from, challenge, undefined, 401)
      return
    }
    const nonce = findOther(message, TurnAttributeType.NONCE)
    if (nonce !== this.nonce) {
      this.respond(message, from, challenge, undefined, 438)
      return
    }
    this.beforeAnswer?.(message, from)
    const scripted = this.script.get(message.method)?.shift()
    if (scripted != null) {
      this.respond(message, from, [], key, scripted)
      return
    }
    const lifetime = other(TurnAttributeType.LIFETIME, u32(this.options.lifetime ?? 600))
    switch (message.method) {
      case TurnMethod.ALLOCATE:
        this.respond(
          message,
          from,
          [
            xorAddressAttribute(
              TurnAttributeType.XOR_RELAYED_ADDRESS,
              { family: 4, address: '127.0.0.1', port: 50_000 },
              message.transactionId,
            ),
            { type: 'xor-mapped-address', value: { family: 4, address: from.address, port: from.port } },
            lifetime,
          ],
          key,
        )
        return
      case TurnMethod.REFRESH:
        this.respond(message, from, [lifetime], key)
        return
      default:
        this.respond(message, from, [], key)
        return
    }
  }
}

function findOther(message: Message, code: number): string | undefined {
  for (const a of message.attributes)
    if (a.type === 'other' && a.code === code) return new TextDecoder().decode(a.value)
  return undefined
}
