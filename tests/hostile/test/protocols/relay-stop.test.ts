/**
 * Defect 2 of the hostile-peer review: circuit relay STOP streams from a
 * directly connected peer. Each CONNECT is answered OK and starts an inbound
 * upgrade of the circuit, which takes a pending-upgrade slot; the attacker
 * then sends one byte a second so the upgrade lasts until its timeout, and
 * opens a new stream whenever one ends. A relayed upgrade has no remote IP
 * of its own, so before the fix the per-address cap did not apply and ten
 * such streams held every slot: fresh peers were refused. Now a relay (and a
 * claimed peer) holds at most the per-address cap, and relayed upgrades
 * together at most half the slots.
 */
import type { Stream } from '@libp2p/interface'
import { STOP_PROTOCOL, StopMessage } from '@weft/circuit-relay'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { encodeLengthPrefixed } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { freshDials, MiB, memoryReturned, pingWhile, sleep, startPeer, useTarget } from './harness.js'

/** the host's default: 10 inbound upgrades pending at once */
const STOP_STREAMS = 12
const ATTACK_MS = 6_000
const FRESH_PEERS = 10
const PING_BOUND = 1_000
const RSS_BOUND = 50 * MiB

const target = useTarget()

describe('STOP streams that stall their circuit upgrades', { timeout: 40_000 }, () => {
  it('leave the upgrade slots fresh peers need', async () => {
    const honest = await startPeer()
    await honest.dial(target().address)
    const baseline = await target().memory()
    const attacker = await startPeer()
    const connection = await attacker.dial(target().address)
    const claimed = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const connect = encodeLengthPrefixed(
      StopMessage.encode({
        type: StopMessage.Type.CONNECT,
        peer: { id: claimed.toMultihash().bytes, addrs: [] },
      }),
    )
    let running = true
    let opened = 0
    // one stream: CONNECT, then a byte a second of a multistream header that never completes
    const stall = async (): Promise<void> => {
      let stream: Stream | undefined
      try {
        stream = await connection.newStream(STOP_PROTOCOL, { signal: AbortSignal.timeout(2_000) })
        opened++
        stream.send(connect)
        while (running && stream.status === 'open' && stream.writeStatus === 'writable') {
          await sleep(1_000)
          if (stream.status === 'open' && stream.writeStatus === 'writable') stream.send(Uint8Array.of(0x13))
        }
      } catch {
        // refused or reset: open the next one
      } finally {
        stream?.abort(new Error('attack over'))
      }
    }
    const attack = Promise.all(
      Array.from({ length: STOP_STREAMS }, async () => {
        while (running) {
          await stall()
          await sleep(20)
        }
      }),
    )
    const pings = pingWhile(honest, target())
    await sleep(500)
    const started = Date.now()
    const served = await freshDials(target(), FRESH_PEERS, 2_000)
    const dialMs = Date.now() - started
    await sleep(Math.max(0, ATTACK_MS - dialMs))
    running = false
    await attack
    const report = await pings.stop()

    expect(opened).toBeGreaterThanOrEqual(STOP_STREAMS)
    expect(served).toBe(FRESH_PEERS)
    expect(target().processErrors()).toEqual([])
    expect(report.failures).toBe(0)
    expect(report.max).toBeLessThan(PING_BOUND)
    await attacker.stop()
    expect(await freshDials(target(), 3)).toBe(3)
    const after = await memoryReturned(target(), baseline, RSS_BOUND)
    expect(after.rss - baseline.rss).toBeLessThan(RSS_BOUND)
  })
})
