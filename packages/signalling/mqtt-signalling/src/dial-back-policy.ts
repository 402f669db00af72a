/**
 * Which addresses a peer may make us dial back (pure, no sockets). A
 * dial-back request is a stranger asking us to open a connection somewhere,
 * so only addresses that name a public IP and a port go through: no DNS
 * (it could resolve anywhere), no relay circuits (that is not a direct
 * connection), no loopback, private or other special-purpose ranges unless
 * the user allows them. At most `max` distinct addresses, in the order given.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { isSpecialPurposeIp } from '@weft/utils'

export interface DialBackPolicy {
  allowPrivateAddresses: boolean
  max: number
  filter?: (addr: Multiaddr) => boolean
}

/** The protocols a dial-back address may be made of, in any order after the IP. */
const TRANSPORTS = new Set([
  'tcp',
  'udp',
  'quic',
  'quic-v1',
  'ws',
  'wss',
  'tls',
  'sni',
  'noise',
  'webtransport',
  'certhash',
])

/** The addresses of `addrs` (strings or bytes from the wire) we would dial back, without any `/p2p/` part. */
export function dialBackAddresses(addrs: readonly Multiaddr[], policy: DialBackPolicy): Multiaddr[] {
  const out: Multiaddr[] = []
  const seen = new Set<string>()
  for (const addr of addrs) {
    if (out.length >= policy.max) break
    const components = addr.getComponents()
    const first = components[0]
    if (first === undefined || (first.name !== 'ip4' && first.name !== 'ip6')) continue
    if (first.value === undefined || (!policy.allowPrivateAddresses && isSpecialPurposeIp(first.value)))
      continue
    const rest = components.slice(1).filter((component) => component.name !== 'p2p')
    if (rest.length === 0 || !rest.every((component) => TRANSPORTS.has(component.name))) continue
    if (rest[0]?.name !== 'tcp' && rest[0]?.name !== 'udp') continue
    const bare = multiaddr(
      `/${first.name}/${first.value}${rest.map((c) => `/${c.name}${c.value === undefined ? '' : `/${c.value}`}`).join('')}`,
    )
    if (policy.filter !== undefined && !policy.filter(bare)) continue
    const key = bare.toString()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(bare)
  }
  return out
}
