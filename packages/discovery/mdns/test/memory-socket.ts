/** An in-process multicast group: every socket hears every packet, its own included (like multicast loopback). */
import { EventEmitter } from 'node:events'
import type { DnsPacket, MulticastSocket } from '../src/index.js'

export class MemoryGroup {
  readonly sockets = new Set<MemorySocket>()
  /** packets sent, for assertions */
  readonly sent: Array<{ kind: 'query' | 'response'; packet: DnsPacket }> = []

  socket = (): MulticastSocket => {
    const socket = new MemorySocket(this)
    this.sockets.add(socket)
    return socket
  }

  deliver(kind: 'query' | 'response', packet: DnsPacket): void {
    this.sent.push({ kind, packet })
    // a copy through JSON, as bytes on a wire would be
    const copy = JSON.parse(JSON.stringify(packet)) as DnsPacket
    setImmediate(() => {
      for (const socket of this.sockets) socket.emit(kind, copy)
    })
  }
}

class MemorySocket extends EventEmitter implements MulticastSocket {
  constructor(private readonly group: MemoryGroup) {
    super()
  }

  query(packet: DnsPacket): void {
    this.group.deliver('query', packet)
  }

  respond(packet: DnsPacket): void {
    this.group.deliver('response', packet)
  }

  destroy(callback?: () => void): void {
    this.group.sockets.delete(this)
    setImmediate(() => callback?.())
  }
}
