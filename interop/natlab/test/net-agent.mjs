// A probe for the NAT lab, run inside a namespace: UDP and TCP sockets on
// command (JSON lines on stdin, answers on stdout). Servers answer every
// datagram or connection with the address they saw it come from.
import dgram from 'node:dgram'
import net from 'node:net'
import { serveAgent } from './agent-loop.mjs'

const udpSockets = new Map()
const inbox = new Map()
const servers = []
const sockets = new Set()

const ops = {
  ping: async () => 'pong',

  // a UDP socket on host:port; with echo, each datagram is answered with "ip:port" of its sender
  'udp-bind': async ({ host, port, echo }) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true })
    await new Promise((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, host, resolve)
    })
    const key = `${host}:${socket.address().port}`
    inbox.set(key, [])
    socket.on('message', (data, rinfo) => {
      const from = `${rinfo.address}:${rinfo.port}`
      if (echo) socket.send(from, rinfo.port, rinfo.address)
      else inbox.get(key).push({ from, data: data.toString() })
    })
    udpSockets.set(key, socket)
    return { address: key }
  },

  'udp-send': async ({ from, to, data }) => {
    const [host, port] = to.split(':')
    await new Promise((resolve, reject) =>
      udpSockets.get(from).send(data, Number(port), host, (err) => (err ? reject(err) : resolve())),
    )
    return true
  },

  // the next datagram that reached `at`, or null after `timeout` ms
  'udp-recv': async ({ at, timeout }) => {
    const deadline = Date.now() + timeout
    while (Date.now() < deadline) {
      const queue = inbox.get(at)
      if (queue.length > 0) return queue.shift()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return null
  },

  // a TCP server that writes "ip:port\n" of each client, then closes
  'tcp-listen': async ({ host, port }) => {
    const server = net.createServer((socket) => {
      socket.end(`${socket.remoteAddress}:${socket.remotePort}\n`)
    })
    await new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, resolve)
    })
    servers.push(server)
    return { address: `${host}:${server.address().port}` }
  },

  // connects (from localPort when given), returns what the server saw; the socket stays open
  'tcp-connect': async ({ to, localPort, timeout }) => {
    const [host, port] = to.split(':')
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port: Number(port), localPort })
      sockets.add(socket)
      let text = ''
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`connect to ${to} timed out`))
      }, timeout)
      socket.on('data', (chunk) => {
        text += chunk
        if (text.includes('\n')) {
          clearTimeout(timer)
          resolve({ observed: text.trim(), localPort: socket.localPort })
        }
      })
      socket.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  },
}

serveAgent(ops, {
  shutdown: () => {
    for (const socket of udpSockets.values()) socket.close()
    for (const server of servers) server.close()
    for (const socket of sockets) socket.destroy()
  },
})
