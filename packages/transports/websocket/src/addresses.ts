/**
 * Pure address logic of the WebSocket transport: which multiaddrs it dials or
 * listens on, the URL a multiaddr stands for, and the addresses a listener
 * reports. No sockets and no Node built-ins, so browsers use it too.
 *
 * Accepted forms (multiaddr protocol table, multiformats/multiaddr
 * protocols.csv; `/tls/ws` is the spelling of `/wss` the libp2p specs prefer,
 * libp2p/specs websockets/README.md):
 *
 *   /ip4|ip6/<address>/tcp/<port>/ws
 *   /ip4|ip6/<address>/tcp/<port>/wss
 *   /ip4|ip6/<address>/tcp/<port>/tls/ws
 *   /ip4|ip6/<address>/tcp/<port>/tls/sni/<name>/ws    (dialing only)
 *
 * and for dialing only `/dns|dns4|dns6/<name>/…` in place of the address.
 * Each may end with `/p2p/<peer-id>`, which the transport ignores.
 */
import { InvalidMultiaddrError } from '@libp2p/interface'
import {
  CODE_DNS,
  CODE_DNS4,
  CODE_DNS6,
  CODE_IP4,
  CODE_IP6,
  CODE_P2P,
  CODE_SNI,
  CODE_TCP,
  CODE_TLS,
  CODE_WS,
  CODE_WSS,
  type Component,
  type Multiaddr,
  multiaddr,
} from '@multiformats/multiaddr'
import { type InterfaceTable, wildcardHosts } from '@weft/utils'

/** How the WebSocket part of an address was written, kept so a listener reports it back alike. */
export type WebSocketSuffix = '/ws' | '/wss' | '/tls/ws'

/** Where to connect or bind, and how. */
export interface WebSocketTarget {
  /** an IP address or a DNS name, as written in the multiaddr */
  host: string
  port: number
  /** 4 or 6 for ip4/dns4 and ip6/dns6; undefined for `/dns` (either family) */
  family?: 4 | 6
  /** true when `host` is a DNS name */
  isName: boolean
  /** true for `/wss` and `/tls/…/ws` */
  secure: boolean
  /** the TLS server name from `/tls/sni/<name>`, when given */
  serverName?: string
  suffix: WebSocketSuffix
  /** `ws://host:port/` or `wss://host:port/` (IPv6 in brackets) */
  url: string
}

export interface ParseOptions {
  /** accept `/dns`, `/dns4`, `/dns6` and `/tls/sni/<name>` (dialing) */
  dialing: boolean
}

/** Returns the target of `ma`, or throws `InvalidMultiaddrError` saying what is wrong. */
export function toWebSocketTarget(ma: Multiaddr, options: ParseOptions): WebSocketTarget {
  const target = parse(ma.getComponents(), options)
  if (typeof target === 'string') {
    throw new InvalidMultiaddrError(
      `expected a WebSocket multiaddr such as /ip4/127.0.0.1/tcp/4001/ws, got ${ma}: ${target}`,
    )
  }
  return target
}

/** true when the transport can dial `ma` */
export function isDialable(ma: Multiaddr): boolean {
  const target = parse(ma.getComponents(), { dialing: true })
  return typeof target !== 'string' && target.port !== 0
}

/** true when the transport can listen on `ma` (a listener still needs a certificate for /wss) */
export function isListenable(ma: Multiaddr): boolean {
  return typeof parse(ma.getComponents(), { dialing: false }) !== 'string'
}

/** Returns a target, or a string saying what is wrong. */
function parse(components: Component[], options: ParseOptions): WebSocketTarget | string {
  const [hostPart, tcpPart] = components
  if (hostPart == null || tcpPart == null) return 'too few components'
  if (tcpPart.code !== CODE_TCP) return `expected tcp after the host, got ${tcpPart.name}`
  const port = Number(tcpPart.value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return `invalid port ${tcpPart.value}`

  let index = 2
  let suffix: WebSocketSuffix
  let serverName: string | undefined
  const next = components[index]
  if (next?.code === CODE_WS) {
    suffix = '/ws'
    index += 1
  } else if (next?.code === CODE_WSS) {
    suffix = '/wss'
    index += 1
  } else if (next?.code === CODE_TLS) {
    index += 1
    if (components[index]?.code === CODE_SNI) {
      if (!options.dialing) return 'a listener takes no /sni'
      serverName = components[index].value
      if (serverName == null || serverName === '') return 'empty /sni name'
      index += 1
    }
    if (components[index]?.code !== CODE_WS) return 'expected ws after tls'
    suffix = '/tls/ws'
    index += 1
  } else {
    return `expected ws, wss or tls/ws after the port, got ${next?.name ?? 'nothing'}`
  }
  const rest = components.length - index
  if (rest > 1 || (rest === 1 && components[index].code !== CODE_P2P)) {
    return 'only /p2p/<peer-id> may follow the WebSocket part'
  }

  const host = hostPart.value ?? ''
  if (host === '') return 'missing host'
  const secure = suffix !== '/ws'
  let family: 4 | 6 | undefined
  let isName = false
  switch (hostPart.code) {
    case CODE_IP4:
      family = 4
      break
    case CODE_IP6:
      family = 6
      break
    case CODE_DNS:
    case CODE_DNS4:
    case CODE_DNS6:
      if (!options.dialing) return 'a DNS name cannot be listened on'
      isName = true
      family = hostPart.code === CODE_DNS4 ? 4 : hostPart.code === CODE_DNS6 ? 6 : undefined
      break
    default:
      return `unsupported host protocol ${hostPart.name}`
  }
  const urlHost = family === 6 && !isName ? `[${host}]` : host
  return {
    host,
    port,
    family,
    isName,
    secure,
    serverName,
    suffix,
    url: `${secure ? 'wss' : 'ws'}://${urlHost}:${port}/`,
  }
}

/**
 * The multiaddr of a socket address as node:net reports it, with the
 * WebSocket suffix. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, seen on
 * dual-stack listeners) become `/ip4`; a scoped address (`fe80::1%eth0`)
 * keeps its zone.
 */
export function socketAddressToMultiaddr(
  address: string,
  port: number,
  suffix: WebSocketSuffix = '/ws',
): Multiaddr {
  if (address.includes(':')) {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
    if (mapped != null) return multiaddr(`/ip4/${mapped[1]}/tcp/${port}${suffix}`)
    const percent = address.indexOf('%')
    if (percent >= 0) {
      return multiaddr(
        `/ip6zone/${address.slice(percent + 1)}/ip6/${address.slice(0, percent)}/tcp/${port}${suffix}`,
      )
    }
    return multiaddr(`/ip6/${address}/tcp/${port}${suffix}`)
  }
  return multiaddr(`/ip4/${address}/tcp/${port}${suffix}`)
}

export { type InterfaceAddress, isWildcard } from '@weft/utils'

/**
 * The addresses a listener bound to a wildcard host answers on (see
 * @weft/utils' `wildcardHosts`), as WebSocket multiaddrs.
 */
export function wildcardAddresses(
  host: string,
  port: number,
  suffix: WebSocketSuffix,
  interfaces: InterfaceTable,
  options: { dualStack: boolean },
): Multiaddr[] {
  return wildcardHosts(host, interfaces, options).map((entry) =>
    multiaddr(`/${entry.family === 4 ? 'ip4' : 'ip6'}/${entry.host}/tcp/${port}${suffix}`),
  )
}
