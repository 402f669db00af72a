/**
 * RFC 6062 TCP allocations: a TCP connection between the relay and a peer,
 * carried by a data connection of its own from the client to the server.
 * Outbound: Connect on the control connection → CONNECTION-ID (§4.3);
 * inbound: a ConnectionAttempt indication → CONNECTION-ID (§4.4). Either way
 * the client opens a new TCP connection to the server and sends
 * ConnectionBind with that id, signed with the allocation's credentials;
 * after the success response the connection is a plain byte stream to the
 * peer (§4.5). The socket returned is positioned after that response (bytes
 * the peer sent early are put back in front) and paused: its new owner
 * resumes it once it reads.
 */
import type { Socket } from 'node:net'
import {
  decodeMessage,
  encodeMessage,
  type Message,
  messageLengthFromHeader,
  newTransactionId,
  type TransportAddress,
  TurnAttributeType,
  TurnMethod,
  verifyIntegrity,
} from '@weft/stun'
import { anySignal, throwIfAborted } from '@weft/utils'
import type { TurnClient } from './client.js'
import { errorForCode, MalformedFrameError, TurnClosedError } from './errors.js'
import { connectTcp } from './link.js'
import { attribute, u32 } from './wire.js'

export interface PeerConnectionOptions {
  signal?: AbortSignal
  /** ms for the ConnectionBind exchange (10 000) */
  timeout?: number
}

/** Opens a TCP connection from the relay to `peer` and returns the socket carrying it. */
export async function connectPeer(
  client: TurnClient,
  peer: TransportAddress,
  options: PeerConnectionOptions = {},
): Promise<Socket> {
  await client.createPermission(peer, options)
  const connectionId = await client.connectPeer(peer, options)
  return bindConnection(client, connectionId, options)
}

/** Binds the connection the server announced in a ConnectionAttempt (or got from Connect). */
export async function bindConnection(
  client: TurnClient,
  connectionId: number,
  options: PeerConnectionOptions = {},
): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    const { socket, response } = await bindOnce(client, connectionId, options)
    if (response == null) return socket
    socket.destroy()
    const code = response.attributes.find((a) => a.type === 'error-code')
    const errorCode = code?.type === 'error-code' ? code.code : 0
    if (errorCode === 438 && attempt === 0) {
      client.updateNonce(response)
      continue
    }
    throw errorForCode(
      errorCode,
      code?.type === 'error-code' ? code.reason : 'no ERROR-CODE',
      'ConnectionBind',
    )
  }
}

/** One ConnectionBind on a fresh connection; `response` is set when it failed. */
async function bindOnce(
  client: TurnClient,
  connectionId: number,
  options: PeerConnectionOptions,
): Promise<{ socket: Socket; response?: Message }> {
  throwIfAborted(options.signal)
  const signal = anySignal([options.signal], options.timeout ?? 10_000)
  try {
    const socket = await connectTcp(client.init.server, signal)
    const { attributes, key } = client.authAttributes()
    const transactionId = newTransactionId()
    socket.write(
      encodeMessage(
        {
          method: TurnMethod.CONNECTION_BIND,
          class: 'request',
          transactionId,
          attributes: [attribute(TurnAttributeType.CONNECTION_ID, u32(connectionId)), ...attributes],
        },
        { integrity: key == null ? undefined : { key }, fingerprint: true },
      ),
    )
    let buffered = new Uint8Array(0)
    return await new Promise((resolve, reject) => {
      const cleanup = (): void => {
        socket.off('data', onData)
        socket.off('error', onError)
        socket.off('close', onClose)
        signal.removeEventListener('abort', onAbort)
      }
      const fail = (err: Error): void => {
        cleanup()
        socket.destroy()
        reject(err)
      }
      const onError = (err: Error): void => fail(err)
      const onClose = (): void => fail(new TurnClosedError('the TURN server closed the data connection'))
      const onAbort = (): void => fail(signal.reason as Error)
      const onData = (chunk: Buffer): void => {
        const joined = new Uint8Array(buffered.length + chunk.length)
        joined.set(buffered)
        joined.set(chunk, buffered.length)
        buffered = joined
        if (buffered.length < 4) return
        let length: number
        try {
          length = messageLengthFromHeader(buffered)
        } catch (err) {
          fail(new MalformedFrameError(`a bad ConnectionBind response: ${(err as Error).message}`))
          return
        }
        if (buffered.length < length) return
        const frame = buffered.subarray(0, length)
        let message: Message
        try {
          message = decodeMessage(frame)
          if (message.class === 'success' && key != null) verifyIntegrity(frame, key)
        } catch (err) {
          fail(new MalformedFrameError(`a bad ConnectionBind response: ${(err as Error).message}`))
          return
        }
        if (
          message.method !== TurnMethod.CONNECTION_BIND ||
          (message.class !== 'success' && message.class !== 'error') ||
          Buffer.compare(message.transactionId, transactionId) !== 0
        ) {
          fail(new MalformedFrameError('the data connection did not start with the ConnectionBind response'))
          return
        }
        cleanup()
        socket.pause()
        // what followed the response belongs to the peer
        if (buffered.length > length) socket.unshift(Buffer.from(buffered.subarray(length)))
        resolve({ socket, response: message.class === 'error' ? message : undefined })
      }
      socket.on('data', onData)
      socket.once('error', onError)
      socket.once('close', onClose)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  } finally {
    signal.clear()
  }
}
