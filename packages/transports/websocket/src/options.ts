/**
 * The options of the WebSocket transport, shared by the Node and browser
 * builds (so no Node types appear here), and their defaults.
 */
import type { ComponentLogger, OutboundConnectionUpgradeEvents } from '@libp2p/interface'
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import type { StandardWebSocket } from './browser-driver.js'

/** PEM text or DER/PEM bytes, as node:tls takes them. */
export type TlsMaterial = string | Uint8Array | Array<string | Uint8Array>

export interface WebSocketsInit {
  /**
   * The certificate and key of `/wss` (and `/tls/ws`) listeners, as node:https
   * takes them (the option name matches @libp2p/websockets). Node only.
   */
  https?: { cert: TlsMaterial; key: TlsMaterial; ca?: TlsMaterial; passphrase?: string }
  /**
   * TLS settings for dialing `/wss` in Node: extra trusted certificates
   * (`ca`), or `rejectUnauthorized: false` for tests. Browsers use their own
   * trust store.
   */
  dialTls?: { ca?: TlsMaterial; rejectUnauthorized?: boolean }
  /** largest message accepted; a larger one aborts the connection with code 1009 (default 4 MiB) */
  maxPayload?: number
  /** largest message sent; writes are split above it (default 1 MiB) */
  maxMessageSize?: number
  /** unsent bytes above which `send()` reports back-pressure (default 1 MiB) */
  maxBufferedAmount?: number
  /** ms between looks at `bufferedAmount` while back-pressured, in browsers (default 10) */
  bufferedAmountPollInterval?: number
  /** ms to open the connection: TCP, TLS and the HTTP upgrade (default 10 000); the dial's `signal` applies too */
  dialTimeout?: number
  /** ms a graceful `close()` may take before the socket is dropped (default 1 000) */
  closeTimeout?: number
  /** ms without traffic before an accepted connection is aborted; 0 disables (default 120 000) */
  inboundSocketInactivityTimeout?: number
  /** ms without traffic before a dialled connection is aborted; 0 disables (default 120 000) */
  outboundSocketInactivityTimeout?: number
  /**
   * ms an inbound HTTP upgrade request may take to arrive (default 10 000);
   * the libp2p upgrade after it is bounded by the upgrader
   */
  handshakeTimeout?: number
  /** connections a listener holds at once; more are refused (default 10 000) */
  maxConnections?: number
  /** length of the kernel's queue of pending connections (default: Node's, 511) */
  backlog?: number
  /** unread bytes a connection buffers before it aborts (default @weft/utils', 4 MiB) */
  maxReadBufferLength?: number
  /** unsent bytes a connection buffers before it aborts (default unlimited: callers honour `send()`) */
  maxWriteBufferLength?: number
  /** the WebSocket class browsers dial with (default `globalThis.WebSocket`) */
  webSocketClass?: new (
    url: string,
  ) => StandardWebSocket
}

export interface WebSocketsComponents {
  logger: ComponentLogger
}

/** The progress event a WebSocket dial reports before connecting, shaped as progress-events' `ProgressEvent`. */
export interface WebSocketsOpenConnectionEvent {
  type: 'websockets:open-connection'
  detail: undefined
}

export type WebSocketsDialEvents = OutboundConnectionUpgradeEvents | WebSocketsOpenConnectionEvent

/** `WebSocketsInit` with every default filled in and checked. */
export type WebSocketsConfig = Readonly<
  Required<
    Omit<
      WebSocketsInit,
      'https' | 'dialTls' | 'backlog' | 'maxWriteBufferLength' | 'maxReadBufferLength' | 'webSocketClass'
    >
  > &
    Pick<
      WebSocketsInit,
      'https' | 'dialTls' | 'backlog' | 'maxWriteBufferLength' | 'maxReadBufferLength' | 'webSocketClass'
    >
>

const MiB = 1024 * 1024

export const DEFAULT_MAX_PAYLOAD = 4 * MiB
export const DEFAULT_MAX_MESSAGE_SIZE = MiB
export const DEFAULT_MAX_BUFFERED_AMOUNT = MiB
export const DEFAULT_BUFFERED_AMOUNT_POLL_INTERVAL = 10
export const DEFAULT_DIAL_TIMEOUT = 10_000
export const DEFAULT_CLOSE_TIMEOUT = 1_000
export const DEFAULT_INACTIVITY_TIMEOUT = 120_000
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000
export const DEFAULT_MAX_CONNECTIONS = 10_000

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: WebSocketsInit = {}): WebSocketsConfig {
  return {
    ...init,
    maxPayload: checkInteger('maxPayload', init.maxPayload ?? DEFAULT_MAX_PAYLOAD, 1),
    maxMessageSize: checkInteger('maxMessageSize', init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, 1),
    maxBufferedAmount: checkInteger(
      'maxBufferedAmount',
      init.maxBufferedAmount ?? DEFAULT_MAX_BUFFERED_AMOUNT,
      1,
    ),
    bufferedAmountPollInterval: checkInteger(
      'bufferedAmountPollInterval',
      init.bufferedAmountPollInterval ?? DEFAULT_BUFFERED_AMOUNT_POLL_INTERVAL,
      1,
    ),
    dialTimeout: checkPositive('dialTimeout', init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT),
    closeTimeout: checkPositive('closeTimeout', init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT),
    inboundSocketInactivityTimeout: checkNonNegative(
      'inboundSocketInactivityTimeout',
      init.inboundSocketInactivityTimeout ?? DEFAULT_INACTIVITY_TIMEOUT,
    ),
    outboundSocketInactivityTimeout: checkNonNegative(
      'outboundSocketInactivityTimeout',
      init.outboundSocketInactivityTimeout ?? DEFAULT_INACTIVITY_TIMEOUT,
    ),
    handshakeTimeout: checkPositive('handshakeTimeout', init.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT),
    maxConnections: checkInteger('maxConnections', init.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
  }
}
