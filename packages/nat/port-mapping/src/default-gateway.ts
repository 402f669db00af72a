/**
 * The IPv4 default gateway, for NAT-PMP and PCP, which talk to it directly.
 * Linux only (/proc/net/route); elsewhere give `gateway` in the options.
 */
import { readFile } from 'node:fs/promises'

/** The gateway of the first default route in /proc/net/route text, or undefined. */
export function parseProcNetRoute(text: string): string | undefined {
  for (const line of text.split('\n').slice(1, 256)) {
    const fields = line.trim().split(/\s+/)
    // Iface Destination Gateway Flags ...; destination 0 = default, flag 0x2 = RTF_GATEWAY
    if (fields.length < 4 || fields[1] !== '00000000' || (Number.parseInt(fields[3]!, 16) & 0x2) === 0)
      continue
    const hex = fields[2]!
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) continue
    // little-endian bytes
    const bytes = [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16))
    return bytes.join('.')
  }
  return undefined
}

export async function defaultGateway(): Promise<string | undefined> {
  try {
    return parseProcNetRoute(await readFile('/proc/net/route', 'utf8'))
  } catch {
    return undefined
  }
}
