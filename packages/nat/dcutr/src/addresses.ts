/**
 * Which addresses a hole punch uses: TCP over IPv4/IPv6, not relayed, at most
 * `max`, parsed from the peer's `ObsAddrs` without trusting them.
 */
import {
  CODE_IP4,
  CODE_IP6,
  CODE_P2P,
  CODE_P2P_CIRCUIT,
  CODE_TCP,
  type Multiaddr,
  multiaddr,
} from '@multiformats/multiaddr'

/** `/ip4|ip6/<ip>/tcp/<port>` with an optional `/p2p/<id>`, nothing relayed. */
export function isPunchableTcp(address: Multiaddr): boolean {
  const components = address.getComponents()
  if (components.some((component) => component.code === CODE_P2P_CIRCUIT)) return false
  const [ip, tcp, ...rest] = components
  if (ip == null || (ip.code !== CODE_IP4 && ip.code !== CODE_IP6)) return false
  if (tcp?.code !== CODE_TCP || tcp.value === '0') return false
  return rest.length === 0 || (rest.length === 1 && rest[0]!.code === CODE_P2P)
}

/** The punchable addresses among `bytes` (invalid ones skipped), deduplicated, at most `max`. */
export function punchAddresses(bytes: Uint8Array[], max: number): Multiaddr[] {
  const seen = new Set<string>()
  const out: Multiaddr[] = []
  for (const entry of bytes) {
    if (out.length >= max) break
    let address: Multiaddr
    try {
      address = multiaddr(entry)
    } catch {
      continue
    }
    if (!isPunchableTcp(address)) continue
    const bare =
      address.getComponents().at(-1)?.code === CODE_P2P ? address.decapsulateCode(CODE_P2P) : address
    const key = bare.toString()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(bare)
  }
  return out
}

/** The peer id of the relay in a circuit address (`.../p2p/<relay>/p2p-circuit/...`). */
export function relayOf(circuit: Multiaddr): string | undefined {
  const components = circuit.getComponents()
  const index = components.findIndex((component) => component.code === CODE_P2P_CIRCUIT)
  if (index < 1) return undefined
  const before = components[index - 1]!
  return before.code === CODE_P2P ? before.value : undefined
}

/**
 * A TCP address worth a direct dial from anywhere: not in a private,
 * shared (CGNAT) or link-local range. Loopback counts, as it can only mean
 * this very machine.
 */
export function isPublicTcp(address: Multiaddr): boolean {
  if (!isPunchableTcp(address)) return false
  const ip = address.getComponents()[0]!
  const value = ip.value ?? ''
  if (ip.code === CODE_IP4) {
    const [a = 0, b = 0] = value.split('.').map(Number)
    if (a === 10 || a === 0) return false
    if (a === 172 && b >= 16 && b <= 31) return false
    if (a === 192 && b === 168) return false
    if (a === 100 && b >= 64 && b <= 127) return false
    if (a === 169 && b === 254) return false
    return true
  }
  const lower = value.toLowerCase()
  if (lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80')) return false
  return lower !== '::'
}

/** 127.0.0.0/8 or ::1: meaningful only on this machine. */
export function isLoopback(address: Multiaddr): boolean {
  const ip = address.getComponents()[0]
  if (ip?.code === CODE_IP4) return (ip.value ?? '').startsWith('127.')
  if (ip?.code === CODE_IP6) return ip.value === '::1'
  return false
}
