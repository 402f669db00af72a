// The port-mapping lab's programs, driven by JSON lines on stdin (see
// agent.ts). `host` (default): weft's PortMapper plus a TCP server and a UDP
// socket that record what reaches them. `outside`: connects and sends to a
// mapped address from the public side. Loads the package's built output
// (dist/), so run `tsc -b` first (`pnpm test` does).
import { createSocket } from 'node:dgram'
import { connect, createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { InternetGatewayDevice, PortMapper } from '../../../packages/nat/port-mapping/dist/src/index.js'

const role = process.argv[2] ?? 'host'
let mapper
let pinholeMapper
const servers = []
const received = []

const ops = {
  ping: async () => 'pong',

  /** TCP and UDP listeners on `port` of every address; each records what arrives. */
  listen: async ({ port, family = 4 }) => {
    const host = family === 6 ? '::' : '0.0.0.0'
    const tcp = createServer((socket) => {
      socket.once('data', (data) => {
        received.push({ transport: 'tcp', port, from: socket.remoteAddress, data: String(data) })
        socket.end('ok')
      })
      socket.on('error', () => {})
    })
    await new Promise((resolve, reject) => tcp.once('error', reject).listen(port, host, resolve))
    const udp = createSocket(family === 6 ? 'udp6' : 'udp4')
    udp.on('message', (data, from) =>
      received.push({ transport: 'udp', port, from: from.address, data: String(data) }),
    )
    await new Promise((resolve) => udp.bind(port, host, resolve))
    servers.push(tcp, udp)
    return { port }
  },

  received: async () => received,

  /** Describes the IGD SSDP finds: its version and services. */
  igd: async ({ ssdp }) => {
    const igd = await InternetGatewayDevice.discover(ssdp)
    return {
      version: igd.version,
      deviceType: igd.description.deviceType,
      connection: igd.connection.serviceType,
      firewall: igd.firewall?.serviceType ?? null,
      services: igd.description.services.map((service) => service.serviceType),
    }
  },

  map: async ({ protocols, mappings, ssdp, lifetime }) => {
    mapper ??= new PortMapper({ protocols, ssdp, lifetime, pcp: { initialTimeout: 1000, tries: 3 } })
    const out = []
    for (const { protocol, port } of mappings) out.push(await mapper.map({ protocol, internalPort: port }))
    return { protocol: mapper.protocol, mappings: out.map((m) => ({ ...m, expiresAt: undefined })) }
  },

  pinhole: async ({ ssdp, protocol, address, port }) => {
    // pinholes are asked over IPv6 (secure_mode: the asking address must be the pinhole's)
    pinholeMapper ??= new PortMapper({ protocols: ['upnp'], ssdp })
    const pinhole = await pinholeMapper.openPinhole({
      protocol,
      internalClient: address,
      internalPort: port,
      lease: 600,
    })
    return pinhole
  },

  closePinhole: async ({ pinhole }) => {
    await pinholeMapper.closePinhole(pinhole)
    return true
  },

  stopMapper: async () => {
    await mapper?.stop()
    await pinholeMapper?.stop()
    mapper = undefined
    pinholeMapper = undefined
    return true
  },

  /** From outside: a TCP connection that sends `data` and waits for the answer. */
  connect: async ({ host, port, data, timeout = 3000 }) =>
    new Promise((resolve, reject) => {
      const socket = connect({ host, port, timeout })
      socket.on('connect', () => socket.write(data))
      socket.once('data', (answer) => {
        socket.destroy()
        resolve(String(answer))
      })
      socket.on('timeout', () => {
        socket.destroy()
        reject(new Error(`no TCP answer from ${host}:${port} in ${timeout} ms`))
      })
      socket.on('error', reject)
    }),

  /** From outside: one UDP datagram. */
  send: async ({ host, port, data }) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    await new Promise((resolve, reject) =>
      socket.send(data, port, host, (err) => (err ? reject(err) : resolve())),
    )
    socket.close()
    return true
  },

  stop: async () => {
    await mapper?.stop()
    await pinholeMapper?.stop()
    for (const server of servers) server.close()
    setTimeout(() => process.exit(0), 50)
    return true
  },
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  let request
  try {
    request = JSON.parse(line)
  } catch {
    return
  }
  const { id, op, ...args } = request
  try {
    const handler = ops[op]
    if (handler == null) throw new Error(`${role}: unknown op ${op}`)
    const result = await handler(args)
    process.stdout.write(`${JSON.stringify({ id, ok: true, result })}\n`)
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ id, ok: false, error: `${err.name}: ${err.message}` })}\n`)
  }
})
