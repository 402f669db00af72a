/**
 * The addresses a socket bound to a wildcard host answers on, for listeners
 * to report instead of `0.0.0.0` or `::` (which a peer cannot dial). The
 * interface table is passed in (`os.networkInterfaces()`), so this module
 * runs anywhere and tests can hand in their own.
 */

/** What `os.networkInterfaces()` gives per interface, reduced to the fields read here. */
export interface InterfaceAddress {
  address: string
  family: string | number
}

export type InterfaceTable = Record<string, readonly InterfaceAddress[] | undefined>

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0'
}

/**
 * Every IPv4 interface address for `0.0.0.0`; for `::` every IPv6 one and,
 * when the socket is dual-stack, every IPv4 one too. Link-local IPv6
 * addresses are left out: they are only dialable with a zone and never
 * useful to announce. Each address once.
 */
export function wildcardHosts(
  host: string,
  interfaces: InterfaceTable,
  options: { dualStack: boolean },
): Array<{ host: string; family: 4 | 6 }> {
  const wantV4 = host === '0.0.0.0' || options.dualStack
  const wantV6 = host !== '0.0.0.0'
  const out: Array<{ host: string; family: 4 | 6 }> = []
  const seen = new Set<string>()
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      const isV4 = info.family === 'IPv4' || info.family === 4
      if (isV4 ? !wantV4 : !wantV6) continue
      if (!isV4 && /^fe[89ab]/i.test(info.address)) continue
      const key = `${isV4 ? 4 : 6}/${info.address}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ host: info.address, family: isV4 ? 4 : 6 })
    }
  }
  return out
}
