/**
 * Punch planning: from both sides' NAT information (nat-info.ts, measured
 * over UDP, so it holds for the QUIC punch as well as the TCP one),
 * which strategy a round uses. Pure; both peers run it on the same two
 * inputs and, since it is symmetric, agree without another message.
 *
 * - `mapped`: punch at the mapped ports the relay observed (DCUtR as the spec
 *   has it). Right when neither NAT changes the port per destination (cone
 *   NATs, or a preserving allocation, since the punch leaves from the relay
 *   connection's local port), when a side filters nothing (its listen port is
 *   offered and takes any dial), and when either side said nothing (a peer
 *   that is not weft, or no report).
 * - `predicted`: a side whose NAT allocates ports in sequence (a fixed delta
 *   between mappings) gets a new port for the punch; the other side dials the
 *   observed port plus delta × 1…`window` as well (also when that other side
 *   said nothing about its own NAT). When both are sequential, each dials
 *   only the other's predicted ports, in order: socket k of each side then
 *   leaves from the k-th next port and aims at the peer's k-th next port, so
 *   the two k-th sockets meet.
 * - `birthday`: one side randomises its ports, the other keeps one mapping
 *   per socket but filters (a port- or address-restricted cone) or allocates
 *   in sequence, and both said they take part in a UDP birthday search
 *   (`NatInfo.birthday`: the search is on and they offer a QUIC address): the
 *   random side opens many sockets (`role: 'sockets'`), the other side sprays
 *   probes from its QUIC socket (`role: 'probes'`), see birthday.ts. When the
 *   probing side is sequential, its probes each leave from its next port, so
 *   the plan carries its `delta` and the random side aims every socket at
 *   the predicted ports.
 * - `skip`: both sides randomise, or one randomises and the other filters
 *   and the search is off on either side: no punch can meet, so none is
 *   tried and the connection goes to relay or TURN at once.
 */
import type { NatInfo } from './nat-info.js'

export type PunchStrategy =
  | { kind: 'mapped' }
  | {
      kind: 'predicted'
      /** whose ports to predict: `remote` (we dial more), `local` (the peer does), or both */
      predict: 'remote' | 'local' | 'both'
      window: number
    }
  | {
      kind: 'birthday'
      /** ours: open many sockets (our NAT randomises) or spray probes (the other NAT) */
      role: 'sockets' | 'probes'
      /** the probing side's NAT allocates in sequence: its port step */
      delta?: number
    }
  | { kind: 'skip'; reason: string }

/** Predicted ports dialed per sequential side (default). */
export const DEFAULT_PREDICTION_WINDOW = 6

type Shape = 'unknown' | 'cone' | 'open-filter' | 'sequential' | 'random'

function shape(info: NatInfo | undefined): Shape {
  if (info == null || (info.mapping == null && info.allocation == null)) return 'unknown'
  if (info.filtering === 'endpoint-independent') return 'open-filter'
  if (info.mapping === 'endpoint-independent') return 'cone'
  if (info.allocation === 'equal' || info.allocation === 'preserving') return 'cone'
  if (info.allocation === 'independent' && info.delta != null && info.delta !== 0) return 'sequential'
  return 'random'
}

/** The strategy for a round between us (`local`) and the peer (`remote`). */
export function planPunch(
  local: NatInfo | undefined,
  remote: NatInfo | undefined,
  window = DEFAULT_PREDICTION_WINDOW,
): PunchStrategy {
  const ours = shape(local)
  const theirs = shape(remote)
  // one side said nothing: still predict for the other when it is sequential
  if (ours === 'unknown' && theirs === 'sequential') return { kind: 'predicted', predict: 'remote', window }
  if (theirs === 'unknown' && ours === 'sequential') return { kind: 'predicted', predict: 'local', window }
  if (ours === 'unknown' || theirs === 'unknown') return { kind: 'mapped' }
  if (ours === 'open-filter' || theirs === 'open-filter') return { kind: 'mapped' }
  if (ours === 'random' || theirs === 'random') {
    const both = ours === 'random' && theirs === 'random'
    const other = ours === 'random' ? theirs : ours
    const searchable = other === 'cone' || other === 'sequential'
    if (!both && searchable && local?.birthday === true && remote?.birthday === true) {
      const role = ours === 'random' ? 'sockets' : 'probes'
      const probing = ours === 'random' ? remote : local
      return other === 'sequential'
        ? { kind: 'birthday', role, delta: probing.delta! }
        : { kind: 'birthday', role }
    }
    return {
      kind: 'skip',
      reason: both
        ? 'both NATs allocate ports at random'
        : 'one NAT allocates ports at random and the other filters, and no UDP birthday search can be run (off on a side, or no QUIC)',
    }
  }
  if (ours === 'sequential' || theirs === 'sequential') {
    const predict =
      ours === 'sequential' && theirs === 'sequential' ? 'both' : theirs === 'sequential' ? 'remote' : 'local'
    return { kind: 'predicted', predict, window }
  }
  return { kind: 'mapped' }
}

/**
 * The ports to dial for a peer whose NAT allocates in sequence: after its
 * observed `port`, `port + delta × k` for k = 1…window, within 1…65535.
 */
export function predictedPorts(port: number, delta: number, window: number): number[] {
  const ports: number[] = []
  for (let k = 1; k <= window; k++) {
    const next = port + delta * k
    if (next >= 1 && next <= 65_535) ports.push(next)
  }
  return ports
}
