/**
 * Pure address logic of the TCP transport: which multiaddrs it can dial or
 * listen on, how they map to a host and port for node:net, and the addresses
 * a wildcard listener reports. No sockets here, so it is unit-tested alone.
 *
 * Accepted forms (multiaddr protocol table, multiformats/multiaddr
 * protocols.csv): `/ip4/<a>/tcp/<p>`, `/ip6/<a>/tcp/<p>`,
 * `/ip6zone/<z>/ip6/<a>/tcp/<p>`, and for dialing only `/dns|dns4|dns6/<name>/tcp/<p>`;
 * each may end with `/p2p/<peer-id>`, which the transport ignores.
 */
import { InvalidMultiaddrError } from '@libp2p/interface'
import {
  CODE_DNS,
  CODE_DNS4,
  CODE_DNS6,
  CODE_IP4,
  CODE_IP6,
  CODE_IP6ZONE,
  CODE_P2P,
  CODE_TCP,
  type Component,
  type Multiaddr,
  multiaddr,
} from '@multiformats/multiaddr'
import { type InterfaceTable, wildcardHosts } from '@weft/utils'

/** Where node:net should connect or bind. */
export interface SocketTarget {
  host: string
  port: number
  /** 4 or 6 for ip4/dns4 and ip6/dns6; undefined for `/dns` (either family) */
  family?: 4 | 6
  /** true when `host` is a name that node:dns must resolve */
  isName: boolean
}

export interface ParseOptions {
  /** accept `/dns`, `/dns4`, `/dns6` (dialing) */
  allowNames: boolean
}

/** Returns the socket target of `ma`, or throws `InvalidMultiaddrError`. */
export function toSocketTarget(ma: Multiaddr, options: ParseOptions): SocketTarget {
  const target = parse(ma.getComponents(), options)
  if (typeof target === 'string') {
    throw new InvalidMultiaddrError(
      `expected a TCP multiaddr such as /ip4/127.0.0.1/tcp/4001, got ${ma}: ${target}`,
    )
  }
  return target
}

/** true when the transport can dial `ma` */
export function isDialable(ma: Multiaddr): boolean {
  const target = parse(ma.getComponents(), { allowNames: true })
  return typeof target !== 'string' && target.port !== 0
}

/** true when the transport can listen on `ma` */
export function isListenable(ma: Multiaddr): boolean {
  return typeof parse(ma.getComponents(), { allowNames: false }) !== 'string'
}

/** Returns a target, or a string saying what is wrong. */
function parse(components: Component[], options: ParseOptions): SocketTarget | string {
  let index = 0
  let zone: string | undefined
  if (components[0]?.code === CODE_IP6ZONE) {
    zone = components[0].value
    index = 1
  }
  const hostPart = components[index]
  const tcpPart = components[index + 1]
  if (hostPart == null || tcpPart == null) return 'too few components'
  if (tcpPart.code !== CODE_TCP) return `expected tcp after the host, got ${tcpPart.name}`
  const rest = components.length - index - 2
  if (rest > 1 || (rest === 1 && components[index + 2].code !== CODE_P2P)) {
    return 'only /p2p/<peer-id> may follow the port'
  }
  const port = Number(tcpPart.value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return `invalid port ${tcpPart.value}`
  const host = hostPart.value ?? ''
  if (host === '') return 'missing host'
  switch (hostPart.code) {
    case CODE_IP4:
      if (zone != null) return 'ip6zone must precede ip6'
      return { host, port, family: 4, isName: false }
    case CODE_IP6:
      return { host: zone == null ? host : `${host}%${zone}`, port, family: 6, isName: false }
    case CODE_DNS:
    case CODE_DNS4:
    case CODE_DNS6:
      if (!options.allowNames) return 'a DNS name cannot be listened on'
      if (zone != null) return 'ip6zone must precede ip6'
      return {
        host,
        port,
        family: hostPart.code === CODE_DNS4 ? 4 : hostPart.code === CODE_DNS6 ? 6 : undefined,
        isName: true,
      }
    default:
      return `unsupported host protocol ${hostPart.name}`
  }
}

/**
 * The multiaddr of a socket address as node:net reports it. IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`, seen on dual-stack listeners) become `/ip4`;
 * a scope (`fe80::1%eth0`) becomes `/ip6zone`.
 */
export function socketAddressToMultiaddr(address: string, port: number): Multiaddr {
  if (address.includes(':')) {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
    if (mapped != null) return multiaddr(`/ip4/${mapped[1]}/tcp/${port}`)
    const percent = address.indexOf('%')
    if (percent >= 0) {
      return multiaddr(`/ip6zone/${address.slice(percent + 1)}/ip6/${address.slice(0, percent)}/tcp/${port}`)
    }
    return multiaddr(`/ip6/${address}/tcp/${port}`)
  }
  return multiaddr(`/ip4/${address}/tcp/${port}`)
}

/** true for the unspecified addresses that bind every interface */
export { isWildcard } from '@weft/utils'

/**
 * The addresses a listener bound to a wildcard host answers on (see
 * @weft/utils' `wildcardHosts`), as TCP multiaddrs.
 */
export function wildcardAddresses(
  host: string,
  port: number,
  interfaces: InterfaceTable,
  options: { dualStack: boolean },
): Multiaddr[] {
  return wildcardHosts(host, interfaces, options).map((entry) =>
    multiaddr(`/${entry.family === 4 ? 'ip4' : 'ip6'}/${entry.host}/tcp/${port}`),
  )
}
