/**
 * P2PD's JSON conventions: every reply is HTTP 200 with an `error` field (0
 * on success, a number naming the failure) and a `msg`; keys sorted, four
 * spaces of indent, as P2PD's `json.dumps(..., indent=4, sort_keys=True)`.
 * The numbers are P2PD 3.x's own (rest_api.py).
 */
import type { Multiaddr } from '@multiformats/multiaddr'

export const P2PD_ERROR = {
  nameExists: 2,
  connectFailed: 3,
  interfaces: 4,
  noAddress: 5,
  recvTimeout: 5,
  bufferEmpty: 6,
  noSuchConnection: 7,
  sendFailed: 8,
  subExists: 9,
  reservedSubName: 10,
} as const

export function p2pdError(code: number, msg: string): Record<string, unknown> {
  return { error: code, msg }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value != null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

export function p2pdJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4)
}

/** `[ip, port]` as P2PD's `client_tup`, from a multiaddr with an IP and a port. */
export function addressTuple(address: Multiaddr | undefined): [string, number] | string {
  if (address == null) return 'not connected'
  let ip: string | undefined
  let port: number | undefined
  for (const component of address.getComponents()) {
    if (component.name === 'ip4' || component.name === 'ip6') ip ??= component.value
    if ((component.name === 'tcp' || component.name === 'udp') && port == null) port = Number(component.value)
  }
  return ip != null && port != null ? [ip, port] : address.toString()
}
