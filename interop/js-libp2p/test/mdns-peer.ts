/**
 * A child process for the mDNS namespace tests (mdns*.test.ts): one host,
 * weft or js-libp2p, listening on TCP at the given IPv4 address with mDNS
 * discovery on, run inside a network namespace with `ip netns exec`.
 *
 * usage: node mdns-peer.mjs <weft|js|js-weft-mdns> <ipv4>
 * (js-weft-mdns: a js-libp2p node whose discovery is weft's mdns module)
 * stdout, one JSON object a line: {"event":"ready","peerId":…,"addrs":[…]},
 * {"event":"discovered","peerId":…}, {"event":"connected","peerId":…}.
 * It stops its host and exits when stdin closes or on SIGTERM.
 */
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import { identify as jsIdentify } from '@libp2p/identify'
import { mdns as jsMdns } from '@libp2p/mdns'
import { tcp as jsTcp } from '@libp2p/tcp'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { mdns } from '@weft/mdns'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { createLibp2p } from 'libp2p'

const [impl, ip] = process.argv.slice(2)
if ((impl !== 'weft' && impl !== 'js' && impl !== 'js-weft-mdns') || ip == null) {
  console.error('usage: mdns-peer <weft|js|js-weft-mdns> <ipv4>')
  process.exit(2)
}

function report(event: string, detail: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ event, ...detail })}\n`)
}

interface Node {
  peerId: { toString(): string }
  getMultiaddrs(): Array<{ toString(): string }>
  addEventListener(type: string, listener: (evt: CustomEvent) => void): void
  stop(): Promise<void>
}

const listen = [`/ip4/${ip}/tcp/0`]
const node: Node =
  impl === 'weft'
    ? ((await createHost({
        addresses: { listen },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        // no other configuration: discovery plus the host's default low watermark
        services: { identify: identify(), mdns: mdns({ interval: 1000 }) },
      })) as unknown as Node)
    : ((await createLibp2p({
        addresses: { listen },
        transports: [jsTcp()],
        connectionEncrypters: [jsNoise()],
        streamMuxers: [jsYamux()],
        peerDiscovery: [impl === 'js' ? jsMdns({ interval: 1000 }) : mdns({ interval: 1000 })],
        services: { identify: jsIdentify() },
      })) as unknown as Node)

node.addEventListener('peer:discovery', (evt) => report('discovered', { peerId: String(evt.detail.id) }))
node.addEventListener('peer:connect', (evt) => report('connected', { peerId: String(evt.detail) }))
report('ready', { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })

let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(1), 5000)
  await node.stop()
  clearTimeout(timer)
  process.exit(0)
}
process.stdin.on('end', () => void shutdown())
process.stdin.on('close', () => void shutdown())
process.stdin.resume()
process.on('SIGTERM', () => void shutdown())
