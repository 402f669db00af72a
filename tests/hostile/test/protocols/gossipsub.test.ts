/**
 * Issue 13, defect 6: a gossipsub peer sends one valid signed message many
 * thousands of times, in RPCs near the 1 MiB limit, on several connections
 * at once. The target used to start a signature verification (about 0.1 ms
 * of synchronous Ed25519 work) for every copy before its seen cache applied,
 * so each RPC stalled its event loop for about half a second. It must drop
 * copies of a message it has seen or is verifying before any verification:
 * pings stay fast, the message is delivered once, memory stays bounded and
 * new peers still connect.
 */
import type { Connection } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { buildMessage, encodeRpc, StrictSign } from '@weft/pubsub'
import { describe, expect, it } from 'vitest'
import {
  describePings,
  freshDials,
  MiB,
  memoryReturned,
  type Peer,
  pingWhile,
  sampleWhile,
  startPeer,
  useTarget,
} from './harness.js'

const MESHSUB = '/meshsub/1.1.0'
const TOPIC = 'hostile'
/** copies of the message per RPC (the default decoding limit is 5000 messages per RPC) */
const COPIES = 4_800
/** attacker connections sending at once, and RPCs each sends */
const ATTACKERS = 4
const RPCS_PER_ATTACKER = 3
/** the old code stalled ≥ 0.5 s per RPC (about 1.2 s measured with four at once); the fixed one spends a few ms */
const PING_BOUND_MS = 500
/** the target's RSS once the attackers have left, over its baseline (issue 13's acceptance bound) */
const MEMORY_BOUND = 50 * MiB
/** its RSS during the attack, sampled without a GC, over the baseline (issue 22's flood budget) */
const MEMORY_DURING_BOUND = 96 * MiB

const target = useTarget()

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Sends `frames` on a fresh meshsub stream of `connection`, waiting for the stream to drain between them. */
async function flood(connection: Connection, frames: Uint8Array[]): Promise<void> {
  const stream = await connection.newStream(MESHSUB, { signal: AbortSignal.timeout(5_000) })
  for (const frame of frames) {
    if (!stream.send(frame)) {
      await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
    }
  }
  // keep the stream open until the target has read everything
  await settle(200)
}

describe('gossipsub: one valid message repeated thousands of times', { timeout: 60_000 }, () => {
  it('verifies it once, delivers it once and keeps answering pings', async () => {
    const honest = await startPeer()
    await honest.dial(target().address)
    await settle(300)
    const baseline = await target().memory()

    // a message signed by a third key: valid, so every copy used to be verified in full
    const author = await generateKeyPair('Ed25519')
    const { raw } = await buildMessage(
      StrictSign,
      author,
      peerIdFromPrivateKey(author),
      TOPIC,
      new Uint8Array(32).fill(7),
      1n,
    )
    const frame = encodeRpc({ messages: Array.from({ length: COPIES }, () => raw) })
    expect(frame.byteLength).toBeLessThan(MiB)

    const attackers: Peer[] = []
    const connections: Connection[] = []
    for (let i = 0; i < ATTACKERS; i++) {
      const attacker = await startPeer()
      attackers.push(attacker)
      connections.push(await attacker.dial(target().address))
    }

    const pings = pingWhile(honest, target())
    const usage = sampleWhile(target())
    await settle(300)
    await Promise.all(
      connections.map(async (connection) =>
        flood(
          connection,
          Array.from({ length: RPCS_PER_ATTACKER }, () => frame),
        ),
      ),
    )
    await settle(500)
    const report = await pings.stop()
    const peak = await usage.stop()
    console.log(
      `during the attack: rss +${((peak.rss - baseline.rss) / MiB).toFixed(1)} MiB at most; honest ${describePings(report)}`,
    )

    const memory = await target().memory()
    console.log(
      `${ATTACKERS * RPCS_PER_ATTACKER} RPCs × ${COPIES} copies (${frame.byteLength} bytes each):`,
      `ping max ${report.max.toFixed(0)} ms over ${report.rtts.length} pings, ${report.failures} failed;`,
      `delivered ${memory.delivered}; rss ${((memory.rss - baseline.rss) / MiB).toFixed(1)} MiB over baseline during the attack`,
    )
    expect(target().processErrors()).toEqual([])
    expect(target().exited()).toBe(false)
    // the message was valid: delivered to the target's subscriber, exactly once
    expect(memory.delivered).toBe(baseline.delivered + 1)
    expect(report.failures).toBe(0)
    expect(report.max).toBeLessThan(PING_BOUND_MS)
    expect(peak.rss - baseline.rss).toBeLessThan(MEMORY_DURING_BOUND)

    for (const attacker of attackers) await attacker.stop()
    // three at once: the target upgrades at most three inbound connections from one address at a time
    expect(await freshDials(target(), 3)).toBe(3)
    await settle(300)
    const after = await memoryReturned(target(), baseline, MEMORY_BOUND)
    expect(after.rss - baseline.rss).toBeLessThan(MEMORY_BOUND)
    expect(after.delivered).toBe(baseline.delivered + 1)
    expect(target().processErrors()).toEqual([])
  })
})
