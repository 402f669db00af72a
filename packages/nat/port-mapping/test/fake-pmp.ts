/**
 * A fake NAT-PMP / PCP gateway on 127.0.0.1 for unit tests. `pcp: false`
 * answers PCP requests as a NAT-PMP-only gateway does (version 0,
 * Unsupported Version). `drop` ignores that many requests first (to see
 * retransmissions); `epoch` can be set back to fake a restart.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'

export interface FakePmpInit {
  pcp?: boolean
  natPmp?: boolean
  externalAddress?: string
  drop?: number
  /** lifetime granted at most, seconds */
  maxLifetime?: number
}

export class FakePmp {
  readonly mappings = new Map<string, { internalPort: number; externalPort: number; lifetime: number }>()
  readonly received: Array<{ version: number; opcode: number; at: number }> = []
  epoch = 1000
  private dropped = 0

  private constructor(
    private readonly init: FakePmpInit,
    private readonly socket: Socket,
  ) {}

  static async start(init: FakePmpInit = {}): Promise<FakePmp> {
    const socket = createSocket('udp4')
    const fake = new FakePmp(init, socket)
    socket.on('message', (packet, from) => fake.onPacket(packet, from))
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    return fake
  }

  get port(): number {
    return this.socket.address().port
  }

  /** Forgets every mapping and starts a new epoch, as a rebooted gateway does. */
  reboot(): void {
    this.mappings.clear()
    this.epoch = 1
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()))
  }

  private onPacket(packet: Buffer, from: RemoteInfo): void {
    this.received.push({ version: packet[0]!, opcode: packet[1]!, at: Date.now() })
    if (this.dropped < (this.init.drop ?? 0)) {
      this.dropped++
      return
    }
    const reply = (out: Buffer): void => void this.socket.send(out, from.port, from.address)
    const ext = (this.init.externalAddress ?? '203.0.113.9').split('.').map(Number)
    if (packet[0] === 2 && this.init.pcp !== false) {
      const out = Buffer.alloc(60)
      packet.copy(out, 0, 0, 60)
      out[1] = 0x81
      out[2] = 0
      out[3] = 0
      const protocol = packet[36] === 6 ? 'TCP' : 'UDP'
      const internalPort = packet.readUInt16BE(40)
      const requested = packet.readUInt32BE(4)
      const lifetime = Math.min(requested, this.init.maxLifetime ?? 7200)
      const key = `${protocol}/${internalPort}`
      if (requested === 0) this.mappings.delete(key)
      else this.mappings.set(key, { internalPort, externalPort: internalPort + 10_000, lifetime })
      out.writeUInt32BE(lifetime, 4)
      out.writeUInt32BE(this.epoch, 8)
      out.fill(0, 12, 24)
      out.writeUInt16BE(requested === 0 ? 0 : internalPort + 10_000, 42)
      out.fill(0, 44, 60)
      out[54] = 0xff
      out[55] = 0xff
      Buffer.from(ext).copy(out, 56)
      reply(out)
      return
    }
    if (this.init.natPmp === false) return
    if (packet[0] !== 0) {
      // NAT-PMP's answer to a version it does not know (RFC 6886 §3.5)
      const out = Buffer.alloc(8)
      out[1] = 128 + (packet[1]! & 0x7f)
      out.writeUInt16BE(1, 2)
      out.writeUInt32BE(this.epoch, 4)
      reply(out)
      return
    }
    if (packet[1] === 0) {
      const out = Buffer.alloc(12)
      out[1] = 128
      out.writeUInt32BE(this.epoch, 4)
      Buffer.from(ext).copy(out, 8)
      reply(out)
      return
    }
    const protocol = packet[1] === 1 ? 'UDP' : 'TCP'
    const internalPort = packet.readUInt16BE(4)
    const requested = packet.readUInt32BE(8)
    const lifetime = Math.min(requested, this.init.maxLifetime ?? 7200)
    const key = `${protocol}/${internalPort}`
    const out = Buffer.alloc(16)
    out[1] = 128 + packet[1]!
    out.writeUInt32BE(this.epoch, 4)
    out.writeUInt16BE(internalPort, 8)
    if (requested === 0) {
      this.mappings.delete(key)
    } else {
      this.mappings.set(key, { internalPort, externalPort: internalPort + 20_000, lifetime })
      out.writeUInt16BE(internalPort + 20_000, 10)
      out.writeUInt32BE(lifetime, 12)
    }
    reply(out)
  }
}
