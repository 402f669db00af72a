/**
 * A tiny RFC 5780 STUN server for tests on loopback: four UDP sockets on
 * two IPs × two ports (127.0.0.1 and 127.0.0.2), one TCP listener on the
 * primary address. It answers Binding requests with XOR-MAPPED-ADDRESS,
 * MAPPED-ADDRESS, RESPONSE-ORIGIN and OTHER-ADDRESS, honours CHANGE-REQUEST
 * and RESPONSE-PORT, and can sign with a short-term key.
 *
 * `nat` makes it pretend the client sits behind a NAT: it reports mapped
 * addresses as that NAT would allocate them and drops the responses that
 * NAT's filter would drop, so discovery can be tested without namespaces.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { createServer, type Server, type Socket as TcpSocket } from 'node:net'
import {
  type Attribute,
  type Behaviour,
  decodeMessage,
  encodeMessage,
  findAttribute,
  HEADER_LENGTH,
  type Message,
  messageLengthFromHeader,
  type TransportAddress,
  verifyIntegrity,
} from '../src/index.js'

export interface SimulatedNat {
  /** the address mapped ports are reported on */
  publicAddress: string
  mapping: Behaviour
  filtering: Behaviour
  /** the first port handed out for a new mapping that cannot keep the local port (20000) */
  firstPort?: number
}

export interface TestServerOptions {
  nat?: SimulatedNat
  /** omit OTHER-ADDRESS (a server without RFC 5780) */
  noOtherAddress?: boolean
  /** require and add MESSAGE-INTEGRITY with this key */
  key?: Uint8Array
  /** answer nothing at all */
  silent?: boolean
}

interface Endpoint {
  address: string
  port: number
  socket: Socket
}

async function bindUdp(address: string, port: number): Promise<Socket> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', () => {})
  return socket
}

export class TestStunServer {
  /** requests received, by any socket */
  requests = 0
  private readonly mappings = new Map<string, number>()
  private readonly contacted = new Set<string>()
  private nextPort: number
  private readonly connections = new Set<TcpSocket>()

  private constructor(
    readonly endpoints: Endpoint[],
    readonly tcp: Server,
    private readonly options: TestServerOptions,
  ) {
    this.nextPort = options.nat?.firstPort ?? 20_000
    for (const endpoint of endpoints)
      endpoint.socket.on('message', (data, rinfo) => this.onDatagram(endpoint, data, rinfo))
  }

  static async start(options: TestServerOptions = {}): Promise<TestStunServer> {
    for (let attempt = 0; ; attempt++) {
      const sockets: Socket[] = []
      try {
        const a = await bindUdp('127.0.0.1', 0)
        sockets.push(a)
        const p1 = a.address().port
        sockets.push(await bindUdp('127.0.0.2', p1))
        const c = await bindUdp('127.0.0.1', 0)
        sockets.push(c)
        const p2 = c.address().port
        sockets.push(await bindUdp('127.0.0.2', p2))
        const tcp = createServer()
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject)
          tcp.listen(p1, '127.0.0.1', () => resolve())
        })
        const endpoints = [
          { address: '127.0.0.1', port: p1, socket: sockets[0]! },
          { address: '127.0.0.2', port: p1, socket: sockets[1]! },
          { address: '127.0.0.1', port: p2, socket: sockets[2]! },
          { address: '127.0.0.2', port: p2, socket: sockets[3]! },
        ]
        const server = new TestStunServer(endpoints, tcp, options)
        tcp.on('connection', (socket) => server.onConnection(socket))
        return server
      } catch (err) {
        for (const socket of sockets) socket.close()
        if (attempt >= 5) throw err
      }
    }
  }

  get primary(): { address: string; port: number } {
    return { address: this.endpoints[0]!.address, port: this.endpoints[0]!.port }
  }

  async close(): Promise<void> {
    for (const endpoint of this.endpoints) endpoint.socket.close()
    for (const socket of this.connections) socket.destroy()
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()))
  }

  private endpoint(address: string, port: number): Endpoint {
    return this.endpoints.find((e) => e.address === address && e.port === port)!
  }

  /** What the simulated NAT (or the real network) shows the server as the client's address. */
  private mapped(client: TransportAddress, via: Endpoint): TransportAddress {
    const nat = this.options.nat
    if (nat == null) return client
    const key =
      nat.mapping === 'endpoint-independent'
        ? `${client.port}`
        : nat.mapping === 'address-dependent'
          ? `${client.port}|${via.address}`
          : `${client.port}|${via.address}:${via.port}`
    let port = this.mappings.get(key)
    if (port == null) {
      port = nat.mapping === 'endpoint-independent' ? client.port : this.nextPort++
      this.mappings.set(key, port)
    }
    return { family: 4, address: nat.publicAddress, port }
  }

  /** Whether the simulated NAT lets a datagram from `origin` in to the client at `client`. */
  private admits(client: TransportAddress, origin: Endpoint): boolean {
    const nat = this.options.nat
    if (nat == null || nat.filtering === 'endpoint-independent') return true
    if (nat.filtering === 'address-dependent') return this.contacted.has(`${client.port}|${origin.address}`)
    return this.contacted.has(`${client.port}|${origin.address}:${origin.port}`)
  }

  private answer(request: Message, client: TransportAddress, via: Endpoint, raw: Uint8Array): Message | null {
    this.requests++
    if (this.options.silent === true) return null
    if (request.class !== 'request') return null
    if (this.options.key != null) {
      try {
        verifyIntegrity(raw, this.options.key)
      } catch {
        return error(request, 401, 'Unauthorized')
      }
    }
    const unknown = request.attributes.flatMap((a) => (a.type === 'other' && a.code < 0x8000 ? [a.code] : []))
    if (unknown.length > 0) {
      const response = error(request, 420, 'Unknown Attribute')
      response.attributes.push({ type: 'unknown-attributes', types: unknown })
      return response
    }
    const mapped = this.mapped(client, via)
    const other = this.endpoints.find((e) => e.address !== via.address && e.port !== via.port)!
    const attributes: Attribute[] = [
      { type: 'xor-mapped-address', value: mapped },
      { type: 'mapped-address', value: mapped },
    ]
    if (this.options.noOtherAddress !== true)
      attributes.push({
        type: 'other-address',
        value: { family: 4, address: other.address, port: other.port },
      })
    return { method: request.method, class: 'success', transactionId: request.transactionId, attributes }
  }

  /** Responses are signed, except a 401: the client's key was the problem (RFC 8489 §9.1.3). */
  private signing(response: Message): { key: Uint8Array } | undefined {
    if (this.options.key == null) return undefined
    return findAttribute(response, 'error-code')?.code === 401 ? undefined : { key: this.options.key }
  }

  private onDatagram(via: Endpoint, data: Uint8Array, rinfo: RemoteInfo): void {
    let request: Message
    try {
      request = decodeMessage(data)
    } catch {
      return
    }
    const client: TransportAddress = { family: 4, address: rinfo.address, port: rinfo.port }
    this.contacted.add(`${client.port}|${via.address}`)
    this.contacted.add(`${client.port}|${via.address}:${via.port}`)
    const response = this.answer(request, client, via, data)
    if (response == null) return
    const change = findAttribute(request, 'change-request')
    const from = this.endpoint(
      change?.changeIp === true
        ? this.endpoints.find((e) => e.address !== via.address)!.address
        : via.address,
      change?.changePort === true ? this.endpoints.find((e) => e.port !== via.port)!.port : via.port,
    )
    response.attributes.push({
      type: 'response-origin',
      value: { family: 4, address: from.address, port: from.port },
    })
    const port = findAttribute(request, 'response-port')?.port ?? rinfo.port
    if (!this.admits({ ...client, port }, from)) return
    const bytes = encodeMessage(response, { fingerprint: true, integrity: this.signing(response) })
    from.socket.send(bytes, port, rinfo.address)
  }

  private onConnection(socket: TcpSocket): void {
    this.connections.add(socket)
    socket.on('close', () => this.connections.delete(socket))
    socket.on('error', () => {})
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      while (buffered.length >= HEADER_LENGTH) {
        let length: number
        try {
          length = messageLengthFromHeader(buffered)
        } catch {
          socket.destroy()
          return
        }
        if (buffered.length < length) return
        const frame = new Uint8Array(buffered.subarray(0, length))
        buffered = buffered.subarray(length)
        let request: Message
        try {
          request = decodeMessage(frame)
        } catch {
          socket.destroy()
          return
        }
        const client: TransportAddress = {
          family: 4,
          address: socket.remoteAddress!,
          port: socket.remotePort!,
        }
        const response = this.answer(request, client, this.endpoints[0]!, frame)
        if (response != null)
          socket.write(encodeMessage(response, { fingerprint: true, integrity: this.signing(response) }))
      }
    })
  }
}

function error(request: Message, code: number, reason: string): Message {
  return {
    method: request.method,
    class: 'error',
    transactionId: request.transactionId,
    attributes: [{ type: 'error-code', code, reason }],
  }
}
