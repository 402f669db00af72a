/**
 * The CIDR blocks of this machine's network interfaces, loopback ones left
 * out, for ranking the addresses a dial tries (`routeRank`): read through
 * Node's `os.networkInterfaces()` when the runtime has one (elsewhere: none,
 * and the other ranks still apply), and again at most every `REFRESH_MS`,
 * since interfaces come and go.
 */

const REFRESH_MS = 10_000
/** Interface addresses kept at most (a host with hundreds of virtual interfaces). */
const MAX_NETWORKS = 256

interface InterfaceInfo {
  cidr?: string | null
  internal?: boolean
}
type NetworkInterfaces = () => Record<string, InterfaceInfo[] | undefined>

let cached: { at: number; networks: readonly string[] } | undefined

/** Our networks from `read` (default: `os.networkInterfaces`; null: none), at most MAX_NETWORKS. */
export function readLocalNetworks(
  read: NetworkInterfaces | null = nodeInterfaces() ?? null,
): readonly string[] {
  if (read == null) return []
  let table: ReturnType<NetworkInterfaces>
  try {
    table = read()
  } catch {
    return []
  }
  const out: string[] = []
  for (const infos of Object.values(table)) {
    for (const info of infos ?? []) {
      if (info.internal === true || typeof info.cidr !== 'string' || out.length >= MAX_NETWORKS) continue
      out.push(info.cidr)
    }
  }
  return out
}

/** `readLocalNetworks()`, cached for REFRESH_MS. */
export function localNetworks(now = Date.now()): readonly string[] {
  if (cached == null || now - cached.at > REFRESH_MS) cached = { at: now, networks: readLocalNetworks() }
  return cached.networks
}

function nodeInterfaces(): NetworkInterfaces | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const os = process?.getBuiltinModule?.('node:os') as { networkInterfaces?: NetworkInterfaces } | undefined
  return os?.networkInterfaces?.bind(os)
}
