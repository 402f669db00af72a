/**
 * Special-purpose IP ranges (IANA IPv4 and IPv6 Special-Purpose Address
 * Registries, RFC 6890): the addresses a remote peer may not make us dial
 * unless the user allows private addresses. Pure code, no `node:net`, so it
 * runs in browsers too.
 *
 * IPv4: this network, private (RFC 1918), shared/CGNAT (RFC 6598),
 * loopback, link-local, IETF protocol assignments, benchmarking (RFC 2544),
 * multicast, reserved and broadcast. IPv6: unspecified, loopback, discard
 * (RFC 6666), unique local, site-local, link-local and multicast; an
 * IPv4-mapped address (`::ffff:a.b.c.d`) is judged as the IPv4 address it
 * carries. The documentation ranges (TEST-NET-1..3, 2001:db8::/32) are
 * routed nowhere and are not special here: a lab built on them stays
 * dialable.
 */

type Range = readonly [network: number[], prefix: number]

const IPV4: Range[] = [
  [[0, 0, 0, 0], 8],
  [[10, 0, 0, 0], 8],
  [[100, 64, 0, 0], 10],
  [[127, 0, 0, 0], 8],
  [[169, 254, 0, 0], 16],
  [[172, 16, 0, 0], 12],
  [[192, 0, 0, 0], 24],
  [[192, 168, 0, 0], 16],
  [[198, 18, 0, 0], 15],
  [[224, 0, 0, 0], 4],
  [[240, 0, 0, 0], 4],
]

const IPV6: Range[] = [
  [bytes6('::'), 128],
  [bytes6('::1'), 128],
  [bytes6('100::'), 64],
  [bytes6('fc00::'), 7],
  [bytes6('fec0::'), 10],
  [bytes6('fe80::'), 10],
  [bytes6('ff00::'), 8],
]

function bytes6(ip: string): number[] {
  const parsed = parseIpv6(ip)
  if (parsed == null) throw new Error(`bad range ${ip}`)
  return parsed
}

/** `a.b.c.d` as four bytes, or undefined (no leading zeros, each part 0-255). */
export function parseIpv4(ip: string): number[] | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  const out: number[] = []
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined
    const value = Number(part)
    if (value > 255) return undefined
    out.push(value)
  }
  return out
}

/** An IPv6 address (`::` compression, a trailing dotted IPv4, a `%zone`) as sixteen bytes, or undefined. */
export function parseIpv6(ip: string): number[] | undefined {
  const address = ip.split('%')[0] ?? ''
  if (address.length > 45) return undefined
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const groups = (half: string): number[] | undefined => {
    if (half === '') return []
    const out: number[] = []
    const parts = half.split(':')
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part)
        if (v4 == null) return undefined
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined
        out.push(Number.parseInt(part, 16))
      }
    }
    return out
  }
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  if (head == null || tail == null) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail]
  return words.flatMap((word) => [word >> 8, word & 0xff])
}

function inRange(address: number[], [network, prefix]: Range): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const bits = Math.min(8, prefix - bit)
    const mask = (0xff << (8 - bits)) & 0xff
    if (((address[bit / 8]! ^ network[bit / 8]!) & mask) !== 0) return false
  }
  return true
}

/** Whether `ip` (IPv4 or IPv6 text) is in a special-purpose range; text that is no IP counts as special. */
export function isSpecialPurposeIp(ip: string): boolean {
  const v4 = parseIpv4(ip)
  if (v4 != null) return IPV4.some((range) => inRange(v4, range))
  const v6 = parseIpv6(ip)
  if (v6 == null) return true
  // ::ffff:0:0/96, IPv4-mapped: judged as the IPv4 address it carries
  if (v6.slice(0, 10).every((byte) => byte === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return IPV4.some((range) => inRange(v6.slice(12), range))
  }
  return IPV6.some((range) => inRange(v6, range))
}

/**
 * How far an IP reaches: `loopback` (this machine), `link-local` (one link;
 * IPv6 ones dialable only with a zone), `private` (any other special-purpose
 * range: RFC 1918, CGNAT, unique local, …: a network of its own), `global`
 * (the rest, documentation ranges included). An IPv4-mapped IPv6 address is
 * judged as its IPv4 address. Undefined for text that is no IP.
 */
export type IpScope = 'loopback' | 'link-local' | 'private' | 'global'

const LOOPBACK: Range[] = [[[127, 0, 0, 0], 8]]
const LINK_LOCAL: Range[] = [[[169, 254, 0, 0], 16]]
const LOOPBACK6: Range[] = [[bytes6('::1'), 128]]
const LINK_LOCAL6: Range[] = [[bytes6('fe80::'), 10]]

export function ipScope(ip: string): IpScope | undefined {
  let bytes = parseIpv4(ip)
  let v4 = bytes != null
  if (bytes == null) {
    bytes = parseIpv6(ip)
    if (bytes == null) return undefined
    if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
      bytes = bytes.slice(12)
      v4 = true
    }
  }
  const address = bytes
  const within = (ranges: Range[]): boolean => ranges.some((range) => inRange(address, range))
  if (within(v4 ? LOOPBACK : LOOPBACK6)) return 'loopback'
  if (within(v4 ? LINK_LOCAL : LINK_LOCAL6)) return 'link-local'
  return within(v4 ? IPV4 : IPV6) ? 'private' : 'global'
}

/**
 * Whether `ip` lies in `cidr` (`10.1.2.0/24`, `fd00::/8`; the form
 * `os.networkInterfaces()` gives as `cidr`). Both of one family; anything
 * unparsable is outside.
 */
export function inCidr(ip: string, cidr: string): boolean {
  const slash = cidr.lastIndexOf('/')
  if (slash < 0) return false
  const prefixText = cidr.slice(slash + 1)
  if (!/^\d{1,3}$/.test(prefixText)) return false
  const prefix = Number(prefixText)
  const network = cidr.slice(0, slash)
  const v4 = parseIpv4(network)
  if (v4 != null) {
    const address = parseIpv4(ip)
    return address != null && prefix <= 32 && inRange(address, [v4, prefix])
  }
  const v6 = parseIpv6(network)
  const address = parseIpv6(ip)
  return v6 != null && address != null && prefix <= 128 && inRange(address, [v6, prefix])
}
