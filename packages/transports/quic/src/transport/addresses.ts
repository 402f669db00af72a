/** `/ip4|ip6/<ip>/udp/<port>/quic-v1[/p2p/<id>]` multiaddrs (the libp2p QUIC addressing spec). */
import { InvalidMultiaddrError } from '@libp2p/interface'
import {
  CODE_IP4,
  CODE_IP6,
  CODE_P2P,
  CODE_QUIC_V1,
  CODE_UDP,
  type Multiaddr,
  multiaddr,
} from '@multiformats/multiaddr'

export interface UdpTarget {
  host: string
  port: number
  family: 4 | 6
  /** the peer id named by a trailing /p2p component */
  peerId?: string
}

function parse(ma: Multiaddr): UdpTarget | string {
  const components = ma.getComponents()
  const [ip, udp, quic, p2p, ...rest] = components
  if (ip == null || udp == null || quic == null) return 'too few components'
  if (ip.code !== CODE_IP4 && ip.code !== CODE_IP6) return `expected ip4 or ip6, got ${ip.name}`
  if (udp.code !== CODE_UDP) return `expected udp after the ip, got ${udp.name}`
  if (quic.code !== CODE_QUIC_V1) return `expected quic-v1 after the port, got ${quic.name}`
  if (rest.length > 0 || (p2p != null && p2p.code !== CODE_P2P))
    return 'only /p2p/<peer-id> may follow quic-v1'
  const port = Number(udp.value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `bad port ${udp.value}`
  return { host: ip.value as string, port, family: ip.code === CODE_IP4 ? 4 : 6, peerId: p2p?.value }
}

export function toUdpTarget(ma: Multiaddr): UdpTarget {
  const target = parse(ma)
  if (typeof target === 'string') {
    throw new InvalidMultiaddrError(
      `expected a QUIC multiaddr such as /ip4/127.0.0.1/udp/4001/quic-v1, got ${ma}: ${target}`,
    )
  }
  return target
}

export function isQuicAddress(ma: Multiaddr): boolean {
  return typeof parse(ma) !== 'string'
}

export function isDialable(ma: Multiaddr): boolean {
  const target = parse(ma)
  return typeof target !== 'string' && target.port !== 0
}

export function toMultiaddr(host: string, port: number, family: 4 | 6): Multiaddr {
  return multiaddr(`/${family === 4 ? 'ip4' : 'ip6'}/${host}/udp/${port}/quic-v1`)
}
