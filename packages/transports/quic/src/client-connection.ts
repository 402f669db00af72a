/**
 * A minimal QUIC v1 client connection, sans I/O: datagrams in, datagrams
 * out. It runs the handshake (Initial, Handshake and 1-RTT packet spaces,
 * CRYPTO reassembly per level, ACKs, HANDSHAKE_DONE, key phases) and carries
 * bidirectional streams opened by us.
 *
 * Deliberately missing, for the next sessions: loss detection, retransmission
 * and timers (RFC 9002), congestion control, flow-control updates
 * (MAX_DATA/MAX_STREAM_DATA), streams opened by the peer, connection ID
 * management, Retry and version negotiation handling, closing. It is enough
 * to complete a handshake with another stack over loopback and exchange a
 * few stream bytes, which is what it is for.
 */
import { randomBytes } from 'node:crypto'
import { logger } from '@weft/utils'
import { AckTracker } from './ack-tracker.js'
import { ByteWriter } from './byte-writer.js'
import { DecryptionError, MalformedPacketError, TransportParameterError } from './errors.js'
import { type Frame, isAckEliciting, type PacketKind } from './frame.js'
import { decodeFrames } from './frame-decoder.js'
import { encodeFrame } from './frame-encoder.js'
import { KeyPhase } from './key-phase.js'
import { encodeLongHeader, encodeShortHeader, parsePacketHeader } from './packet-header.js'
import { derivePacketKeys, initialKeys, type PacketKeys } from './packet-keys.js'
import { openPayload, protectPacket, removeHeaderProtection, unprotectPacket } from './packet-protection.js'
import { ReassemblyBuffer } from './reassembly-buffer.js'
import type {
  EncryptionLevel,
  HandshakeEvent,
  HandshakeInit,
  HandshakeResult,
} from './tls/handshake-endpoint.js'
import { TlsClient } from './tls/tls-client.js'
import { encodeTransportParameters, type TransportParameters } from './transport-parameters.js'

/** RFC 9000 §14.1: datagrams carrying a client Initial are at least this long. */
export const MIN_INITIAL_DATAGRAM = 1200
const CONNECTION_ID_LENGTH = 8
const PN_LENGTH = 4
const MAX_CRYPTO_CHUNK = 1000
const CRYPTO_BUFFER_LIMIT = 64 * 1024
const STREAM_BUFFER_LIMIT = 256 * 1024
const log = logger('weft:quic')

interface Space {
  read?: PacketKeys
  write?: PacketKeys
  nextPacketNumber: number
  acks: AckTracker
  crypto: ReassemblyBuffer
  cryptoSendOffset: number
  outgoingCrypto: Uint8Array[]
}

interface StreamState {
  receive: ReassemblyBuffer
  received: Uint8Array[]
  sendOffset: number
  finReceived: boolean
}

export interface ClientConnectionInit extends Omit<HandshakeInit, 'transportParameters'> {
  /** our transport parameters; the connection IDs are filled in */
  transportParameters?: Partial<TransportParameters>
}

export class ClientConnection {
  readonly scid = new Uint8Array(randomBytes(CONNECTION_ID_LENGTH))
  readonly originalDcid = new Uint8Array(randomBytes(CONNECTION_ID_LENGTH))
  dcid: Uint8Array = this.originalDcid
  result: HandshakeResult | undefined
  handshakeDone = false
  closeFrame: Extract<Frame, { type: 'connection-close' }> | undefined
  /** 1-RTT packet numbers of ours the peer acknowledged */
  readonly acknowledged = new Set<number>()
  private readonly tls: TlsClient
  private readonly spaces: Record<EncryptionLevel, Space>
  private oneRtt: KeyPhase | undefined
  private oneRttRead: PacketKeys | undefined
  private oneRttWrite: PacketKeys | undefined
  private readonly pending: Frame[] = []
  private readonly streams = new Map<number, StreamState>()
  private nextStreamId = 0
  private serverScid: Uint8Array | undefined

  constructor(init: ClientConnectionInit) {
    const space = (): Space => ({
      nextPacketNumber: 0,
      acks: new AckTracker(),
      crypto: new ReassemblyBuffer(CRYPTO_BUFFER_LIMIT),
      cryptoSendOffset: 0,
      outgoingCrypto: [],
    })
    this.spaces = { initial: space(), handshake: space(), 'one-rtt': space() }
    const keys = initialKeys(this.originalDcid)
    this.spaces.initial.read = keys.server
    this.spaces.initial.write = keys.client
    this.tls = new TlsClient({
      ...init,
      transportParameters: encodeTransportParameters({
        maxIdleTimeout: 30_000,
        initialMaxData: 1 << 20,
        initialMaxStreamDataBidiLocal: STREAM_BUFFER_LIMIT,
        initialMaxStreamDataBidiRemote: STREAM_BUFFER_LIMIT,
        ...init.transportParameters,
        initialSourceConnectionId: this.scid,
      }),
    })
  }

  /** The first flight: the ClientHello in a padded Initial. */
  async start(): Promise<Uint8Array[]> {
    this.apply(await this.tls.start())
    return this.flush()
  }

  /** One received datagram (coalesced packets are split); returns datagrams to send. */
  async receive(datagram: Uint8Array): Promise<Uint8Array[]> {
    let offset = 0
    while (offset < datagram.length) {
      let header: ReturnType<typeof parsePacketHeader>
      try {
        header = parsePacketHeader(datagram, offset, CONNECTION_ID_LENGTH)
      } catch (err) {
        if (err instanceof MalformedPacketError) {
          log('dropped the rest of a datagram: %s', err.message)
          break
        }
        throw err
      }
      const start = offset
      const packet = datagram.subarray(start, header.packetEnd)
      offset = header.packetEnd
      try {
        if (header.form === 'long' && header.type !== 'zero-rtt') {
          const level = header.type
          const space = this.spaces[level]
          if (space.read == null) continue
          const opened = unprotectPacket(space.read, packet, header.pnOffset - start, space.acks.largest)
          if (level === 'initial' && this.serverScid == null) {
            this.serverScid = header.scid.slice()
            this.dcid = this.serverScid
          }
          await this.onPacket(level, opened.packetNumber, opened.payload)
        } else if (header.form === 'short' && this.oneRtt != null) {
          const space = this.spaces['one-rtt']
          const fields = removeHeaderProtection(
            this.oneRtt.read,
            packet,
            header.pnOffset - start,
            space.acks.largest,
          )
          const bit = ((fields.firstByte >>> 2) & 1) as 0 | 1
          const choice = this.oneRtt.readKeys(bit, fields.packetNumber)
          const payload = openPayload(choice.keys, fields.packetNumber, fields.header, fields.sealed)
          if (choice.isUpdate) this.oneRtt.confirmRead(fields.packetNumber)
          await this.onPacket('one-rtt', fields.packetNumber, payload)
        }
      } catch (err) {
        // RFC 9001 §5.5: packets that fail to open are dropped
        if (!(err instanceof DecryptionError)) throw err
        log('dropped a packet: %s', err.message)
      }
    }
    return this.flush()
  }

  /** Opens a bidirectional stream (client-initiated: IDs 0, 4, 8, …). */
  openStream(): number {
    const id = this.nextStreamId
    this.nextStreamId += 4
    this.streams.set(id, {
      receive: new ReassemblyBuffer(STREAM_BUFFER_LIMIT),
      received: [],
      sendOffset: 0,
      finReceived: false,
    })
    return id
  }

  /** Queues `data` on stream `id`; it goes out with the next `flush`. */
  write(id: number, data: Uint8Array, fin = false): void {
    const stream = this.streams.get(id)
    if (stream == null) throw new RangeError(`no stream ${id}`)
    this.pending.push({ type: 'stream', streamId: id, offset: stream.sendOffset, data, fin })
    stream.sendOffset += data.length
  }

  /** Bytes received in order on stream `id`, drained. */
  read(id: number): { data: Uint8Array[]; fin: boolean } {
    const stream = this.streams.get(id)
    if (stream == null) throw new RangeError(`no stream ${id}`)
    const data = stream.received.splice(0)
    return { data, fin: stream.finReceived }
  }

  /** Queues a PING (1-RTT): the peer's ACK proves both 1-RTT directions work. */
  ping(): number {
    this.pending.push({ type: 'ping' })
    return this.spaces['one-rtt'].nextPacketNumber
  }

  private async onPacket(level: EncryptionLevel, packetNumber: number, payload: Uint8Array): Promise<void> {
    const kind: PacketKind = level
    const frames = decodeFrames(payload, kind)
    const space = this.spaces[level]
    if (!space.acks.onReceived(packetNumber, frames.some(isAckEliciting))) return
    for (const frame of frames) {
      switch (frame.type) {
        case 'crypto': {
          const data = space.crypto.insert(frame.offset, frame.data)
          if (data.length > 0) this.apply(await this.tls.receive(level, data))
          break
        }
        case 'ack':
          if (level === 'one-rtt') {
            for (const range of frame.ranges) {
              for (let pn = range.smallest; pn <= range.largest && pn < space.nextPacketNumber; pn++)
                this.acknowledged.add(pn)
            }
            if (this.oneRtt != null) this.oneRtt.awaitingAck = false
          }
          break
        case 'handshake-done':
          this.handshakeDone = true
          // RFC 9001 §4.9.2: the handshake is confirmed, the Handshake keys go
          this.spaces.handshake.read = undefined
          this.spaces.handshake.write = undefined
          break
        case 'stream':
          this.onStream(frame)
          break
        case 'connection-close':
          this.closeFrame = frame
          break
        default:
          break
      }
    }
  }

  private onStream(frame: Extract<Frame, { type: 'stream' }>): void {
    const stream = this.streams.get(frame.streamId)
    if (stream == null) return // streams opened by the peer are not supported yet
    const data = stream.receive.insert(frame.offset, frame.data)
    if (data.length > 0) stream.received.push(data)
    if (frame.fin && stream.receive.offset === frame.offset + frame.data.length) stream.finReceived = true
  }

  private apply(events: HandshakeEvent[]): void {
    for (const event of events) {
      if (event.type === 'send') {
        this.spaces[event.level].outgoingCrypto.push(event.data)
      } else if (event.type === 'complete') {
        this.checkServerParameters(event.result.transportParameters)
        this.result = event.result
        log('handshake complete with %s (%s)', event.result.peerId.toString(), event.result.suite.name)
      } else {
        const keys = derivePacketKeys(event.suite, event.secret)
        if (event.level === 'handshake') {
          if (event.type === 'read-keys') this.spaces.handshake.read = keys
          else this.spaces.handshake.write = keys
        } else if (event.type === 'read-keys') this.oneRttRead = keys
        else this.oneRttWrite = keys
        if (this.oneRttRead != null && this.oneRttWrite != null && this.oneRtt == null) {
          this.oneRtt = new KeyPhase(this.oneRttWrite, this.oneRttRead)
        }
      }
    }
  }

  /** RFC 9000 §7.3: the server proves which connection IDs it saw. */
  private checkServerParameters(params: TransportParameters): void {
    if (
      params.originalDestinationConnectionId == null ||
      !same(params.originalDestinationConnectionId, this.originalDcid)
    ) {
      throw new TransportParameterError('original_destination_connection_id does not match our first DCID')
    }
    if (
      params.initialSourceConnectionId == null ||
      this.serverScid == null ||
      !same(params.initialSourceConnectionId, this.serverScid)
    ) {
      throw new TransportParameterError('initial_source_connection_id does not match the server SCID')
    }
  }

  /** Builds the datagrams for everything pending: CRYPTO, ACKs, queued frames. */
  private flush(): Uint8Array[] {
    const datagrams: Uint8Array[] = []
    // RFC 9001 §4.9.1: once we send Handshake packets, the Initial keys go
    if (this.spaces.handshake.write != null && this.spaces.handshake.outgoingCrypto.length > 0) {
      this.spaces.initial.read = undefined
      this.spaces.initial.write = undefined
    }
    for (const level of ['initial', 'handshake'] as const) {
      const space = this.spaces[level]
      if (space.write == null) continue
      for (const frames of this.cryptoPackets(space)) {
        datagrams.push(this.longPacket(level, space, frames))
      }
    }
    if (this.oneRtt != null && this.result != null) {
      const space = this.spaces['one-rtt']
      const frames: Frame[] = []
      if (space.acks.ackPending) frames.push(space.acks.ackFrame() as Frame)
      frames.push(...this.pending.splice(0))
      if (frames.length > 0) datagrams.push(this.shortPacket(space, frames))
    }
    return datagrams
  }

  private cryptoPackets(space: Space): Frame[][] {
    const packets: Frame[][] = []
    let frames: Frame[] = []
    if (space.acks.ackPending) frames.push(space.acks.ackFrame() as Frame)
    for (const message of space.outgoingCrypto.splice(0)) {
      for (let at = 0; at < message.length; at += MAX_CRYPTO_CHUNK) {
        const data = message.subarray(at, at + MAX_CRYPTO_CHUNK)
        if (frames.some((frame) => frame.type === 'crypto')) {
          packets.push(frames)
          frames = []
        }
        frames.push({ type: 'crypto', offset: space.cryptoSendOffset, data })
        space.cryptoSendOffset += data.length
      }
    }
    if (frames.length > 0) packets.push(frames)
    return packets
  }

  private longPacket(level: 'initial' | 'handshake', space: Space, frames: Frame[]): Uint8Array {
    const writer = new ByteWriter(1200)
    for (const frame of frames) encodeFrame(writer, frame)
    let plaintext = writer.finish()
    if (level === 'initial') {
      // pad inside the packet so the datagram reaches 1200 bytes (RFC 9000 §14.1)
      const overhead = 7 + this.dcid.length + this.scid.length + 1 + 2 + PN_LENGTH + 16
      if (overhead + plaintext.length < MIN_INITIAL_DATAGRAM) {
        const padded = new Uint8Array(MIN_INITIAL_DATAGRAM - overhead)
        padded.set(plaintext)
        plaintext = padded
      }
    }
    const packetNumber = space.nextPacketNumber++
    const header = encodeLongHeader({
      type: level,
      dcid: this.dcid,
      scid: this.scid,
      packetNumber,
      pnLength: PN_LENGTH,
      payloadLength: plaintext.length + 16,
    })
    return protectPacket(space.write as PacketKeys, header, PN_LENGTH, packetNumber, plaintext)
  }

  private shortPacket(space: Space, frames: Frame[]): Uint8Array {
    const writer = new ByteWriter(1200)
    frames.forEach((frame, index) => {
      encodeFrame(writer, frame, { lastInPacket: index === frames.length - 1 })
    })
    const keyPhase = this.oneRtt as KeyPhase
    const packetNumber = space.nextPacketNumber++
    const header = encodeShortHeader({
      dcid: this.dcid,
      packetNumber,
      pnLength: PN_LENGTH,
      keyPhase: keyPhase.writePhase,
    })
    return protectPacket(keyPhase.write, header, PN_LENGTH, packetNumber, writer.finish())
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index])
}
