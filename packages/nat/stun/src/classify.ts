/**
 * NAT classification as plain functions over what the probes observed, so
 * the logic is tested without sockets.
 *
 * - Mapping and filtering in RFC 5780's words (§4.3, §4.4).
 * - The classic names of RFC 3489 §5 derived from them: open (no NAT, no
 *   filtering), UDP firewall (no NAT, filtered), full cone, restricted,
 *   port-restricted, symmetric, blocked.
 * - Port allocation as P2PD measures it, from a few mappings of different
 *   local ports to different server endpoints: equal (mapped port = local
 *   port), preserving (mapped − local is one constant), independent (each
 *   new mapping = the previous + delta, whatever the local port), dependent
 *   (the step between mappings = the step between local ports + delta),
 *   random. A port-preserving NAT gives another port when the local one is
 *   taken (another LAN host, or this socket's mapping towards another
 *   destination): when a strict majority of the samples share one offset,
 *   it is still equal or preserving, and the other samples are counted as
 *   collisions.
 */
import type { TransportAddress } from './attributes.js'

export type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent'

export type ClassicNatType =
  | 'open'
  | 'udp-firewall'
  | 'full-cone'
  | 'restricted'
  | 'port-restricted'
  | 'symmetric'
  | 'blocked'

export type PortAllocation = 'equal' | 'preserving' | 'independent' | 'dependent' | 'random'

function same(a: TransportAddress, b: TransportAddress): boolean {
  return a.address === b.address && a.port === b.port
}

/**
 * RFC 5780 §4.3: test I's mapping (to the primary address), test II's (to
 * the alternate IP, primary port), test III's (alternate IP and port).
 * Undefined when test II or III got no answer.
 */
export function mappingBehaviour(
  test1: TransportAddress,
  test2: TransportAddress | undefined,
  test3: TransportAddress | undefined,
): Behaviour | undefined {
  if (test2 == null) return undefined
  if (same(test1, test2)) return 'endpoint-independent'
  if (test3 == null) return undefined
  return same(test2, test3) ? 'address-dependent' : 'address-and-port-dependent'
}

/**
 * RFC 5780 §4.4: whether the response asking the server to change IP and
 * port (test II) arrived, and the one asking it to change only the port
 * (test III).
 */
export function filteringBehaviour(changedIpAndPort: boolean, changedPort: boolean): Behaviour {
  if (changedIpAndPort) return 'endpoint-independent'
  return changedPort ? 'address-dependent' : 'address-and-port-dependent'
}

/** The RFC 3489 name. `natted` false: the mapped address is the host's own. */
export function classicType(
  natted: boolean | undefined,
  mapping: Behaviour | undefined,
  filtering: Behaviour | undefined,
): ClassicNatType {
  if (natted == null) return 'blocked'
  if (!natted) return filtering === 'endpoint-independent' ? 'open' : 'udp-firewall'
  if (mapping !== 'endpoint-independent') return 'symmetric'
  if (filtering === 'endpoint-independent') return 'full-cone'
  return filtering === 'address-dependent' ? 'restricted' : 'port-restricted'
}

export interface PortSample {
  localPort: number
  mappedPort: number
}

export interface AllocationResult {
  allocation: PortAllocation
  /** preserving: mapped − local; independent: the step between mappings; dependent: the step beyond the local step; else 0 */
  delta: number
  /** equal or preserving: the samples that did not get the offset the majority got (their port was taken); else 0 */
  collisions: number
}

function constant(values: number[]): number | undefined {
  return values.every((value) => value === values[0]) ? values[0] : undefined
}

/** The offset (mapped − local) a strict majority of at least two samples share, and how many share it. */
function majorityOffset(samples: readonly PortSample[]): { offset: number; count: number } | undefined {
  const counts = new Map<number, number>()
  for (const sample of samples) {
    const offset = sample.mappedPort - sample.localPort
    counts.set(offset, (counts.get(offset) ?? 0) + 1)
  }
  for (const [offset, count] of counts) if (count >= 2 && count * 2 > samples.length) return { offset, count }
  return undefined
}

/** Port allocation from at least two samples, in the order they were taken. */
export function portAllocation(samples: readonly PortSample[]): AllocationResult {
  if (samples.length < 2)
    throw new RangeError(`port allocation needs two samples or more, got ${samples.length}`)
  if (samples.every((sample) => sample.mappedPort === sample.localPort))
    return { allocation: 'equal', delta: 0, collisions: 0 }
  const offset = constant(samples.map((sample) => sample.mappedPort - sample.localPort))
  if (offset != null) return { allocation: 'preserving', delta: offset, collisions: 0 }
  const mappedSteps: number[] = []
  const extraSteps: number[] = []
  for (let i = 1; i < samples.length; i++) {
    const step = samples[i]!.mappedPort - samples[i - 1]!.mappedPort
    mappedSteps.push(step)
    extraSteps.push(step - (samples[i]!.localPort - samples[i - 1]!.localPort))
  }
  const step = constant(mappedSteps)
  if (step != null && step !== 0) return { allocation: 'independent', delta: step, collisions: 0 }
  const extra = constant(extraSteps)
  if (extra != null && extra !== 0) return { allocation: 'dependent', delta: extra, collisions: 0 }
  // after the sequences, so a NAT counting up is never read as one that preserves with collisions
  const majority = majorityOffset(samples)
  if (majority != null)
    return {
      allocation: majority.offset === 0 ? 'equal' : 'preserving',
      delta: majority.offset,
      collisions: samples.length - majority.count,
    }
  return { allocation: 'random', delta: 0, collisions: 0 }
}
