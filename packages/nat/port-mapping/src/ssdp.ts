/**
 * SSDP search (UPnP Device Architecture 1.1 §1.3.2): one M-SEARCH per search
 * target, unicast answers collected for `timeout` ms. Bounded: a datagram over
 * `maxDatagramBytes` is dropped unread, at most `maxDatagrams` are looked at
 * (a flood beyond that is ignored) and at most `maxGateways` distinct
 * locations are kept. A LOCATION must be http: on the answering host's own
 * address, so a box on the LAN cannot point us at another machine.
 */
import { createSocket, type RemoteInfo } from 'node:dgram'
import { isIP } from 'node:net'

export const SSDP_MULTICAST_ADDRESS = '239.255.255.250'
export const SSDP_PORT = 1900

/** The search targets for IGD v1 and v2 and their WAN connection services. */
export const IGD_SEARCH_TARGETS = [
  'urn:schemas-upnp-org:device:InternetGatewayDevice:2',
  'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
  'urn:schemas-upnp-org:service:WANIPConnection:2',
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  'urn:schemas-upnp-org:service:WANPPPConnection:1',
] as const

export interface SsdpSearchInit {
  /** where M-SEARCH goes (default the SSDP multicast group; a unicast address in tests) */
  address?: string
  /** default 1900 */
  port?: number
  /** ms answers are collected (default 3 000) */
  timeout?: number
  /** MX seconds the devices may wait before answering (default 2) */
  mx?: number
  /** search targets (default `IGD_SEARCH_TARGETS`) */
  searchTargets?: readonly string[]
  /** local address the socket binds (default all) */
  bindAddress?: string
  /** answer datagrams looked at before the rest is ignored (default 256) */
  maxDatagrams?: number
  /** bytes of one answer datagram (default 2 048) */
  maxDatagramBytes?: number
  /** ms to keep listening after the first answer (default 300) */
  settleTime?: number
  /** distinct locations kept (default 8) */
  maxGateways?: number
  signal?: AbortSignal
}

export interface SsdpAnswer {
  location: URL
  searchTarget: string
  usn: string
  server: string
  /** the address the answer came from */
  from: string
}

/** The M-SEARCH request for `searchTarget`. */
export function mSearch(
  searchTarget: string,
  mx: number,
  host = `${SSDP_MULTICAST_ADDRESS}:${SSDP_PORT}`,
): string {
  return [
    'M-SEARCH * HTTP/1.1',
    `HOST: ${host}`,
    'MAN: "ssdp:discover"',
    `MX: ${mx}`,
    `ST: ${searchTarget}`,
    '',
    '',
  ].join('\r\n')
}

/** Parses one SSDP answer; undefined for anything that is not a usable 200 answer from `from`. */
export function parseSsdpAnswer(datagram: Uint8Array, from: string): SsdpAnswer | undefined {
  const text = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength).toString('latin1')
  const lines = text.split('\r\n', 32)
  if (!/^HTTP\/1\.[01] 200\b/.test(lines[0] ?? '')) return undefined
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const locationText = headers.get('location')
  if (locationText == null) return undefined
  let location: URL
  try {
    location = new URL(locationText)
  } catch {
    return undefined
  }
  if (location.protocol !== 'http:' || location.username !== '' || location.password !== '') return undefined
  if (!sameHost(location.hostname, from)) return undefined
  return {
    location,
    searchTarget: headers.get('st') ?? '',
    usn: headers.get('usn') ?? '',
    server: headers.get('server') ?? '',
    from,
  }
}

function sameHost(hostname: string, address: string): boolean {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  if (isIP(bare) === 0) return false
  return bare.toLowerCase() === address.toLowerCase().replace(/^::ffff:/, '')
}

/** Sends M-SEARCH for every target and collects the distinct gateways that answer (possibly none). */
export async function searchGateways(init: SsdpSearchInit = {}): Promise<SsdpAnswer[]> {
  const address = init.address ?? SSDP_MULTICAST_ADDRESS
  const port = init.port ?? SSDP_PORT
  const timeout = init.timeout ?? 3_000
  const mx = init.mx ?? 2
  const maxDatagrams = init.maxDatagrams ?? 256
  const maxDatagramBytes = init.maxDatagramBytes ?? 2_048
  const maxGateways = init.maxGateways ?? 8
  const targets = init.searchTargets ?? IGD_SEARCH_TARGETS
  init.signal?.throwIfAborted()
  const family = isIP(address) === 6 ? 'udp6' : 'udp4'
  const socket = createSocket({ type: family, recvBufferSize: 65_536 })
  const found = new Map<string, SsdpAnswer>()
  let seen = 0
  return new Promise<SsdpAnswer[]>((resolve, reject) => {
    let done = false
    const finish = (err?: Error): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      init.signal?.removeEventListener('abort', onAbort)
      socket.removeAllListeners('message')
      socket.close()
      if (err != null) reject(err)
      else resolve([...found.values()])
    }
    const onAbort = (): void => finish(init.signal!.reason as Error)
    let timer = setTimeout(() => finish(), timeout)
    const deadline = Date.now() + timeout
    init.signal?.addEventListener('abort', onAbort, { once: true })
    socket.on('error', (err) => finish(err))
    socket.on('message', (datagram: Buffer, from: RemoteInfo) => {
      if (++seen > maxDatagrams) {
        // a flood: stop reading; the sockets' kernel buffer is all it can fill
        socket.removeAllListeners('message')
        return
      }
      if (datagram.byteLength > maxDatagramBytes) return
      const answer = parseSsdpAnswer(datagram, from.address)
      if (answer == null || found.has(answer.location.href) || found.size >= maxGateways) return
      found.set(answer.location.href, answer)
      if (found.size === 1) {
        clearTimeout(timer)
        timer = setTimeout(() => finish(), Math.min(init.settleTime ?? 300, deadline - Date.now()))
      }
    })
    socket.bind({ address: init.bindAddress, port: 0 }, () => {
      const host = `${family === 'udp6' ? `[${address}]` : address}:${port}`
      for (const target of targets) {
        socket.send(mSearch(target, mx, host), port, address, (err) => {
          if (err != null) finish(err)
        })
      }
    })
  })
}
