/**
 * Addresses as a person types them: `host:port` (`192.0.2.7:4001`,
 * `[2001:db8::1]:4001`, `example.com:4001`, `localhost:4001`), a multiaddr
 * (`/ip4/…/tcp/…/p2p/…`), or a peer id (`12D3KooW…`), resolved by the host
 * through its peer store and peer routing.
 */

import { isIP } from 'node:net'
import type { PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import { InvalidAddressError } from './errors.js'

export type ParsedAddress = { type: 'multiaddr'; address: Multiaddr } | { type: 'peer'; peer: PeerId }

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

export function parseAddress(text: string): ParsedAddress {
  const input = text.trim()
  if (input === '') throw new InvalidAddressError(text, 'it is empty')
  if (input.startsWith('/')) {
    try {
      return { type: 'multiaddr', address: multiaddr(input) }
    } catch (err) {
      throw new InvalidAddressError(text, (err as Error).message)
    }
  }
  const hostPort = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(input)
  if (hostPort != null) {
    const host = (hostPort[1] ?? hostPort[2] ?? '').toLowerCase()
    const port = Number(hostPort[3])
    if (port < 1 || port > 65535) throw new InvalidAddressError(text, `port ${port} is outside 1-65535`)
    return { type: 'multiaddr', address: multiaddr(`${hostComponent(text, host)}/tcp/${port}`) }
  }
  try {
    return { type: 'peer', peer: peerIdFromString(input) }
  } catch (err) {
    throw new InvalidAddressError(text, `not host:port, a multiaddr or a peer id (${(err as Error).message})`)
  }
}

function hostComponent(text: string, host: string): string {
  if (host === 'localhost') return '/ip4/127.0.0.1'
  const family = isIP(host)
  if (family === 4) return `/ip4/${host}`
  if (family === 6) return `/ip6/${host}`
  if (HOST_NAME.test(host)) return `/dns/${host}`
  throw new InvalidAddressError(text, `"${host}" is not an IP address or a host name`)
}
