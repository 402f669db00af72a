/** Fakes shared by the unit tests: an interface table, a scripted discovery, sources with events. */
import type { NetworkInterfaceInfo } from 'node:os'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { DiscoveryOptions, NatReport, UdpClient } from '@weft/stun'
import { LightEventTarget } from '@weft/utils'
import type { InterfaceTable } from '../src/index.js'

export function info(address: string, cidr?: string): NetworkInterfaceInfo {
  const v6 = address.includes(':')
  const base = {
    address,
    netmask: v6 ? 'ffff:ffff:ffff:ffff::' : '255.255.255.0',
    mac: '00:00:00:00:00:00',
    internal: address === '127.0.0.1' || address === '::1',
    cidr: cidr ?? `${address}/${v6 ? 64 : 24}`,
  }
  return v6 ? { ...base, family: 'IPv6', scopeid: 0 } : { ...base, family: 'IPv4' }
}

/** A laptop: loopback, a Wi-Fi interface with private IPv4 and public + link-local IPv6, a VPN with a ULA. */
export function laptop(): InterfaceTable {
  return {
    lo: [info('127.0.0.1'), info('::1')],
    wlan0: [info('192.168.1.20'), info('fe80::1%wlan0'), info('2001:db8::20')],
    tun0: [info('fd00::5')],
  }
}

export const PORT_RESTRICTED: NatReport = {
  reachable: true,
  mappedAddress: { family: 4, address: '198.51.100.7', port: 40_000 },
  localPort: 40_000,
  natted: true,
  mapping: 'endpoint-independent',
  filtering: 'address-and-port-dependent',
  hairpinning: false,
  classic: 'port-restricted',
  allocation: 'equal',
  delta: 0,
  samples: [],
}

export const OPEN_V6: NatReport = {
  reachable: true,
  mappedAddress: { family: 6, address: '2001:db8::20', port: 40_001 },
  localPort: 40_001,
  natted: false,
  mapping: 'endpoint-independent',
  filtering: 'endpoint-independent',
  hairpinning: true,
  classic: 'open',
  allocation: 'equal',
  delta: 0,
  samples: [],
}

/**
 * A discovery that answers from a table keyed by `local>server` (the probe
 * socket's address, then the server's `address:port`), else by the server
 * alone, recording each call. No answer: the server was silent.
 */
export function scriptedDiscover(answers: Record<string, NatReport | Error>) {
  const calls: DiscoveryOptions[] = []
  const discover = async (options: DiscoveryOptions): Promise<NatReport> => {
    calls.push(options)
    const server = `${options.server.address}:${options.server.port}`
    const local = options.client?.socket.address().address
    const answer = answers[`${local}>${server}`] ?? answers[server]
    if (answer == null) return { reachable: false, classic: 'blocked', samples: [] }
    if (answer instanceof Error) throw answer
    return answer
  }
  return { discover, calls }
}

/** A socket stand-in: probes never touch the network in unit tests. */
export function fakeOpenClient() {
  const opened: Array<{ address: string; family: 4 | 6; closed: boolean }> = []
  const openClient = async (address: string, family: 4 | 6): Promise<UdpClient> => {
    const record = { address, family, closed: false }
    opened.push(record)
    return {
      socket: { address: () => ({ address, family: family === 6 ? 'IPv6' : 'IPv4', port: 40_000 }) },
      close: () => {
        record.closed = true
      },
    } as unknown as UdpClient
  }
  return { openClient, opened }
}

export class FakePortMapping extends LightEventTarget<{ 'addresses:change': CustomEvent<Multiaddr[]> }> {
  addresses: Multiaddr[] = []
  getMappedAddresses(): Multiaddr[] {
    return [...this.addresses]
  }
  set(addresses: string[]): void {
    this.addresses = addresses.map((a) => multiaddr(a))
    this.safeDispatchEvent('addresses:change', { detail: this.getMappedAddresses() })
  }
}

type Verdict = {
  address: Multiaddr
  reachability: 'unknown' | 'reachable' | 'unreachable'
  confidence: number
}

export class FakeAutoNATv2 extends LightEventTarget<{ 'reachability:address': CustomEvent<Verdict> }> {
  verdicts: Verdict[] = []
  getAddressReachability(): Verdict[] {
    return [...this.verdicts]
  }
  set(address: string, reachability: Verdict['reachability'], confidence = 3): void {
    const verdict = { address: multiaddr(address), reachability, confidence }
    this.verdicts = [...this.verdicts.filter((v) => v.address.toString() !== address), verdict]
    this.safeDispatchEvent('reachability:address', { detail: verdict })
  }
}

export class FakeAutoNAT extends LightEventTarget<{ 'reachability:change': CustomEvent<string> }> {
  reachability: 'unknown' | 'public' | 'private' = 'unknown'
  set(value: 'public' | 'private'): void {
    this.reachability = value
    this.safeDispatchEvent('reachability:change', { detail: value })
  }
}
