/**
 * One UDP socket (node:dgram) shared by every QUIC connection on it, dialed
 * or accepted: datagrams are routed by destination connection ID (ours are
 * 8 bytes). A long-header Initial of at least 1200 bytes for an unknown
 * connection ID becomes a server connection when a listener accepts on the
 * socket and the limits allow; a long header of another version gets
 * Version Negotiation; anything else unknown is dropped, before any
 * per-datagram state exists. Connections still in their handshake are
 * bounded separately (`maxHandshakes`) and must finish within
 * `handshakeTimeout`. A short-header datagram for an unknown ID either ends
 * with the reset token of one of our connections' peers (that connection
 * ends at once) or is answered with a stateless reset, at most
 * `RESETS_PER_SECOND` (RFC 9000 §10.3).
 */
import { createSocket, type Socket } from 'node:dgram'
import type { Logger } from '@libp2p/interface'
import type { Certificate } from '@weft/tls'
import { MIN_INITIAL_DATAGRAM } from '../client-connection.js'
import { CONNECTION_ID_LENGTH, type ConnectionOptions, QuicConnection } from '../connection/connection.js'
import {
  encodeStatelessReset,
  isOwnConnectionId,
  MIN_RESET_SIZE,
  newResetKey,
  RESET_TOKEN_LENGTH,
  ResetLimiter,
  resetToken,
} from '../connection/stateless-reset.js'
import { encodeVersionNegotiation, parsePacketHeader, QUIC_V1 } from '../packet-header.js'
import { initialKeys } from '../packet-keys.js'
import { unprotectPacket } from '../packet-protection.js'

export interface EndpointLimits {
  /** connections on this socket at once */
  maxConnections: number
  /** server connections still in their handshake */
  maxHandshakes: number
  /** ms a handshake may take */
  handshakeTimeout: number
}

export interface EndpointInit extends EndpointLimits {
  host: string
  port: number
  family: 4 | 6
  certificate: Certificate
  connection: ConnectionOptions
  log: Logger
  /**
   * an already bound socket to adopt instead of binding a new one (a hole
   * punch dials from the socket whose path it found open); `host` and
   * `port` are then ignored
   */
  socket?: Socket
}

/** Called for each server connection created by an Initial; the listener drives it from here. */
export type AcceptHandler = (connection: QuicConnection, remote: { address: string; port: number }) => void

const hex = (id: Uint8Array): string => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')

let nextConnectionId = 0
const SOCKET_BUFFER = 4 * 1024 * 1024
/** close() waits at most this long for queued datagrams to leave, ms */
const SEND_DRAIN_TIMEOUT = 1000
/** ms a closed connection's IDs stay routed at most */
const MAX_DRAIN = 3_000
/** stateless resets this socket sends per second at most */
const RESETS_PER_SECOND = 10
/** bytes a raw (non-QUIC) datagram may have at most: probes, not payloads */
export const MAX_RAW_DATAGRAM = 64

export class UdpEndpoint {
  readonly socket: Socket
  accept: AcceptHandler | undefined
  /** called when the last connection goes and no listener accepts: an idle dial socket may close */
  onIdle: () => void = () => {}
  private readonly routes = new Map<string, QuicConnection>()
  private readonly connections = new Set<QuicConnection>()
  /** each connection's routed IDs (hex): the handshake's and those it issued */
  private readonly routedIds = new Map<QuicConnection, Set<string>>()
  /** the peer's stateless reset token in use (hex) → its connection; one entry per connection */
  private readonly resetTokens = new Map<string, QuicConnection>()
  private readonly peerTokens = new Map<QuicConnection, string>()
  /** the static key our reset tokens derive from (RFC 9000 §10.3.2) */
  private readonly resetKey = newResetKey()
  private readonly resetLimiter = new ResetLimiter(RESETS_PER_SECOND)
  private handshakes = 0
  /** closed connections whose IDs are still routed (to nothing), with their timers */
  private readonly draining = new Map<() => void, ReturnType<typeof setTimeout>>()
  private closed = false
  /** datagrams handed to the socket whose send has not completed */
  private pendingSends = 0
  private sendsDone: (() => void) | undefined
  /** set once the socket is being closed: nothing more is sent */
  private socketClosed = false

  constructor(private readonly init: EndpointInit) {
    this.socket =
      init.socket ?? createSocket({ type: init.family === 4 ? 'udp4' : 'udp6', ipv6Only: init.family === 6 })
    this.socket.on('message', (message, remote) => this.onDatagram(message, remote))
    this.socket.on('error', (err) => init.log.error('socket error: %s', err.message))
  }

  async bind(): Promise<void> {
    if (this.init.socket != null) return // adopted: bound already
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject)
      this.socket.bind({ address: this.init.host, port: this.init.port, exclusive: true }, () => {
        this.socket.off('error', reject)
        // bursts of a congestion window must not overflow the kernel's default buffers
        try {
          this.socket.setRecvBufferSize(SOCKET_BUFFER)
          this.socket.setSendBufferSize(SOCKET_BUFFER)
        } catch {
          // capped by the system (net.core.rmem_max): the default stays
        }
        resolve()
      })
    })
  }

  get family(): 4 | 6 {
    return this.init.family
  }

  get address(): { host: string; port: number } {
    const address = this.socket.address()
    return { host: address.address, port: address.port }
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Starts a client connection to `host:port` over this socket. */
  dial(host: string, port: number): QuicConnection {
    if (this.closed) throw new Error('the socket is closed')
    if (this.connections.size >= this.init.maxConnections) {
      throw new RangeError(`more than ${this.init.maxConnections} QUIC connections on one socket`)
    }
    const connection = this.create('client', { address: host, port })
    connection.start()
    return connection
  }

  /**
   * Sends `datagram`, which is not QUIC, to `host:port` from this socket: a
   * hole punch's probe that opens our NAT towards the peer. It needs fewer
   * than 9 bytes or a first byte with the top bit clear and no connection
   * ID of ours for the peer's endpoint to drop it unread (onDatagram).
   */
  sendRaw(datagram: Uint8Array, host: string, port: number): void {
    if (datagram.length > MAX_RAW_DATAGRAM) {
      throw new RangeError(`a raw datagram has at most ${MAX_RAW_DATAGRAM} bytes, not ${datagram.length}`)
    }
    if (this.closed || this.socketClosed) throw new Error('the socket is closed')
    this.pendingSends++
    this.socket.send(datagram, port, host, (err) => {
      if (err != null) this.init.log('raw send to %s:%d failed: %s', host, port, err.message)
      if (--this.pendingSends === 0) this.sendsDone?.()
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.accept = undefined
    for (const connection of [...this.connections]) connection.close(0)
    for (const [forget, timer] of this.draining) {
      clearTimeout(timer)
      forget()
    }
    // a send completes a tick later (the address goes through a lookup): closing the
    // socket at once would drop the CONNECTION_CLOSE just queued, and the peer would
    // learn of the close only from its idle timeout
    if (this.pendingSends > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SEND_DRAIN_TIMEOUT)
        this.sendsDone = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    this.socketClosed = true
    await new Promise<void>((resolve) => this.socket.close(() => resolve()))
  }

  private create(
    role: 'client' | 'server',
    remote: { address: string; port: number },
    client?: { dcid: Uint8Array; scid: Uint8Array },
  ): QuicConnection {
    // one callback per connection, not one closure per datagram
    const sent = (err: Error | null): void => {
      if (err != null) connection.log('send failed: %s', err.message)
      if (--this.pendingSends === 0) this.sendsDone?.()
    }
    const connection: QuicConnection = new QuicConnection({
      ...this.init.connection,
      role,
      certificate: this.init.certificate,
      log: this.init.log.newScope(`${role === 'client' ? 'dial' : 'conn'}:${nextConnectionId++}`),
      clientDcid: client?.dcid,
      clientScid: client?.scid,
      resetKey: this.resetKey,
      routing: {
        route: (id) => this.route(connection, hex(id)),
        isRouted: (id) => this.routes.has(hex(id)),
        unroute: (id) => this.unroute(connection, hex(id)),
        peerResetToken: (token) => this.setPeerToken(connection, token),
      },
      send: (datagram) => {
        if (this.socketClosed) return
        this.pendingSends++
        this.socket.send(datagram, remote.port, remote.address, sent)
      },
    })
    this.connections.add(connection)
    this.routedIds.set(connection, new Set())
    this.route(connection, hex(connection.scid))
    if (role === 'server') this.route(connection, hex(connection.originalDcid))
    return connection
  }

  private route(connection: QuicConnection, key: string): void {
    const keys = this.routedIds.get(connection)
    if (keys == null || !this.connections.has(connection)) return
    keys.add(key)
    this.routes.set(key, connection)
  }

  private unroute(connection: QuicConnection, key: string): void {
    this.routedIds.get(connection)?.delete(key)
    if (this.routes.get(key) === connection) this.routes.delete(key)
  }

  private setPeerToken(connection: QuicConnection, token: Uint8Array | undefined): void {
    const old = this.peerTokens.get(connection)
    if (old != null && this.resetTokens.get(old) === connection) this.resetTokens.delete(old)
    this.peerTokens.delete(connection)
    if (token == null || !this.connections.has(connection)) return
    this.peerTokens.set(connection, hex(token))
    this.resetTokens.set(hex(token), connection)
  }

  /** Forgets a connection once it ended (the caller wraps `events.closed`). */
  release(connection: QuicConnection): void {
    if (!this.connections.delete(connection)) return
    this.setPeerToken(connection, undefined)
    // RFC 9000 §10.2: for three PTOs the closed connection still owns its IDs, so late packets
    // (a client's resent Initial among them) die there instead of opening a new connection
    const forget = (): void => {
      this.draining.delete(forget)
      for (const key of this.routedIds.get(connection) ?? []) {
        if (this.routes.get(key) === connection) this.routes.delete(key)
      }
      this.routedIds.delete(connection)
    }
    const timer = setTimeout(forget, Math.min(3 * connection.recovery.ptoPeriod, MAX_DRAIN))
    timer.unref?.()
    this.draining.set(forget, timer)
    if (this.connections.size === 0 && this.accept == null) this.onIdle()
  }

  private onDatagram(message: Buffer, remote: { address: string; port: number }): void {
    if (this.closed || message.length < 1 + CONNECTION_ID_LENGTH) return
    const datagram = new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
    const first = datagram[0] as number
    if ((first & 0x80) === 0) {
      const connection = this.routes.get(hex(datagram.subarray(1, 1 + CONNECTION_ID_LENGTH)))
      if (connection != null) connection.receive(datagram)
      else this.onUnknownShortHeader(datagram, remote)
      return
    }
    // long header: version (4), DCID length, DCID (RFC 8999 §5.1)
    if (datagram.length < 6) return
    const dcidLength = datagram[5] as number
    if (dcidLength > 20 || datagram.length < 6 + dcidLength) return
    const known = this.routes.get(hex(datagram.subarray(6, 6 + dcidLength)))
    if (known != null) {
      known.receive(datagram)
      return
    }
    if (datagram.length < MIN_INITIAL_DATAGRAM) return
    const version = new DataView(datagram.buffer, datagram.byteOffset + 1, 4).getUint32(0)
    if (version !== QUIC_V1) {
      if (version !== 0) this.sendVersionNegotiation(datagram, remote)
      return
    }
    this.maybeAccept(datagram, remote)
  }

  /** RFC 9000 §10.3: a peer's stateless reset, or a packet we answer with one. */
  private onUnknownShortHeader(datagram: Uint8Array, remote: { address: string; port: number }): void {
    if (datagram.length < MIN_RESET_SIZE) return
    const reset = this.resetTokens.get(hex(datagram.subarray(datagram.length - RESET_TOKEN_LENGTH)))
    if (reset != null) {
      reset.onStatelessReset()
      return
    }
    const id = datagram.subarray(1, 1 + CONNECTION_ID_LENGTH)
    // only IDs we made: a reset to anything else would answer random traffic
    if (this.socketClosed || !isOwnConnectionId(this.resetKey, id)) return
    const token = resetToken(this.resetKey, id)
    // shorter than its trigger, so two endpoints that both lost state cannot loop (§10.3.3)
    const packet = encodeStatelessReset(token, datagram.length)
    if (packet == null || !this.resetLimiter.take()) return
    this.socket.send(packet, remote.port, remote.address)
  }

  private maybeAccept(datagram: Uint8Array, remote: { address: string; port: number }): void {
    const accept = this.accept
    if (accept == null) return
    let header: ReturnType<typeof parsePacketHeader>
    try {
      header = parsePacketHeader(datagram, 0, CONNECTION_ID_LENGTH)
    } catch {
      return
    }
    // RFC 9000 §7.2: a client's first DCID is at least 8 bytes
    if (header.form !== 'long' || header.type !== 'initial' || header.dcid.length < 8) return
    // a forged or corrupted Initial must not cost a connection: it has to open first
    try {
      unprotectPacket(
        initialKeys(header.dcid).client,
        datagram.subarray(0, header.packetEnd),
        header.pnOffset,
        -1,
      )
    } catch {
      return
    }
    if (this.connections.size >= this.init.maxConnections || this.handshakes >= this.init.maxHandshakes) {
      this.init.log('refused an Initial from %s:%d: at a connection limit', remote.address, remote.port)
      return
    }
    const connection = this.create('server', remote, { dcid: header.dcid.slice(), scid: header.scid.slice() })
    this.handshakes++
    const timer = setTimeout(() => {
      if (connection.result == null) connection.fail(new Error('the handshake timed out'))
    }, this.init.handshakeTimeout)
    timer.unref?.()
    const done = (): void => {
      clearTimeout(timer)
      this.handshakes--
    }
    let counted = true
    const finishHandshake = (): void => {
      if (!counted) return
      counted = false
      done()
    }
    connection.events.established = finishHandshake
    connection.events.closed = () => {
      finishHandshake()
      this.release(connection)
    }
    accept(connection, remote)
    connection.receive(datagram)
  }

  private sendVersionNegotiation(datagram: Uint8Array, remote: { address: string; port: number }): void {
    try {
      const header = parsePacketHeader(datagram, 0, CONNECTION_ID_LENGTH)
      if (header.form !== 'unsupported-version') return
      const packet = encodeVersionNegotiation({ dcid: header.scid, scid: header.dcid, versions: [QUIC_V1] })
      this.socket.send(packet, remote.port, remote.address)
    } catch {
      // not even the invariant header: drop
    }
  }
}
