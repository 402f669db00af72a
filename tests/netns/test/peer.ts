/**
 * A child process for the namespace tests: a weft host listening on TCP at
 * the given IPv4 address with nothing but mDNS discovery (and identify)
 * configured, run inside a network namespace with `ip netns exec`.
 *
 * usage: node peer.mjs <ipv4>
 * stdout, one JSON object a line: {"event":"ready","peerId":…,"addrs":[…]},
 * {"event":"discovered","peerId":…}, {"event":"connected","peerId":…}.
 * It stops the host and exits when stdin closes or on SIGTERM.
 */
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { mdns } from '@weft/mdns'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'

const [ip] = process.argv.slice(2)
if (ip == null) {
  console.error('usage: peer <ipv4>')
  process.exit(2)
}

function report(event: string, detail: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ event, ...detail })}\n`)
}

const host = await createHost({
  addresses: { listen: [`/ip4/${ip}/tcp/0`] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), mdns: mdns({ interval: 1000 }) },
})
host.addEventListener('peer:discovery', (evt) => report('discovered', { peerId: evt.detail.id.toString() }))
host.addEventListener('peer:connect', (evt) => report('connected', { peerId: evt.detail.toString() }))
report('ready', { peerId: host.peerId.toString(), addrs: host.getMultiaddrs().map(String) })

let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(1), 5000)
  await host.stop()
  clearTimeout(timer)
  process.exit(0)
}
process.stdin.on('end', () => void shutdown())
process.stdin.on('close', () => void shutdown())
process.stdin.resume()
process.on('SIGTERM', () => void shutdown())
