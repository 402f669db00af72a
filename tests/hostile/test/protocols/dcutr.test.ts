/**
 * Issue 13, defect 3: DCUtR dials attacker-chosen addresses. A directly
 * connected peer opens `/libp2p/dcutr` (meant for relayed connections only)
 * and sends `Connect` naming a third party, then `Sync`. The host under
 * attack must reset the stream without answering and dial nothing.
 *
 * The "third party" is a TCP listener of this test on 127.0.0.7 counting the
 * sockets it accepts (loopback only: the target never dials outside this
 * machine). The target allows private addresses in DCUtR, so the address
 * filter cannot hide a missing relayed-only check: the listener sees a dial
 * exactly when the handler acts on a direct connection.
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { HolePunch, PROTOCOL } from '@weft/dcutr'
import { encodeLengthPrefixed, StreamReader, sendAll } from '@weft/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDials, MiB, memoryReturned, pingWhile, startPeer, useTarget } from './harness.js'

const THIRD_PARTY_HOST = '127.0.0.7'
/** hole punch requests sent, one stream each (the handler takes one inbound stream at a time) */
const ROUNDS = 12
/** how long the target has to (not) dial after the last request */
const SETTLE_MS = 1_500

const target = useTarget({ services: { dcutr: { allowPrivateAddresses: true } } })
let listener: Server
let port = 0
const accepted: Socket[] = []

beforeAll(async () => {
  listener = createServer((socket) => {
    accepted.push(socket)
    socket.on('error', () => {})
    socket.destroy()
  })
  await new Promise<void>((resolve) => listener.listen(0, THIRD_PARTY_HOST, resolve))
  port = (listener.address() as { port: number }).port
}, 30_000)

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve))
}, 30_000)

/** One round on a new stream: Connect naming the third party, read the reply (if any), Sync. */
async function holePunchRequest(connection: Connection): Promise<'answered' | 'refused'> {
  const signal = AbortSignal.timeout(3_000)
  const stream = await connection.newStream(PROTOCOL, { signal, runOnLimitedConnection: true })
  const reader = new StreamReader(stream)
  const frame = (message: HolePunch) => encodeLengthPrefixed(HolePunch.encode(message))
  const third = multiaddr(`/ip4/${THIRD_PARTY_HOST}/tcp/${port}`)
  try {
    await sendAll(stream, frame({ type: HolePunch.Type.CONNECT, ObsAddrs: [third.bytes] }), { signal })
    await reader.readLengthPrefixed(4096, { signal })
    await sendAll(stream, frame({ type: HolePunch.Type.SYNC, ObsAddrs: [] }), { signal })
    await stream.close({ signal }).catch(() => {})
    return 'answered'
  } catch {
    stream.abort(new Error('refused'))
    return 'refused'
  } finally {
    reader.release()
  }
}

describe('DCUtR on a direct connection (issue 13, defect 3)', { timeout: 40_000 }, () => {
  it('resets the stream and dials none of the addresses the remote names', async () => {
    const before = await target().memory()
    const honest = await startPeer()
    await honest.dial(target().address)
    const pings = pingWhile(honest, target())

    const attacker = await startPeer()
    const connection = await attacker.dial(target().address)
    expect(connection.remoteAddr.toString()).not.toContain('p2p-circuit')
    const outcomes: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      outcomes.push(await holePunchRequest(connection))
      // the unfixed handler closes its side after Sync and dials: let the next
      // stream in once the slot is free
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    const report = await pings.stop()
    const after = await memoryReturned(target(), before, 50 * MiB)

    const thirdPartyDials = target()
      .dials()
      .filter((address) => address.includes(`/${THIRD_PARTY_HOST}/`))
    console.log(
      `dcutr: ${ROUNDS} requests (${outcomes.filter((o) => o === 'answered').length} answered), ` +
        `third party saw ${accepted.length} connection(s), gater saw ${thirdPartyDials.length}; ` +
        `pings max ${report.max.toFixed(0)} ms, ${report.failures} failed; ` +
        `rss ${((after.rss - before.rss) / MiB).toFixed(1)} MiB more`,
    )
    // nothing dialed, nothing answered
    expect(accepted.length).toBe(0)
    expect(thirdPartyDials).toEqual([])
    expect(outcomes.filter((outcome) => outcome === 'answered')).toEqual([])
    // and the host is fine
    expect(target().processErrors()).toEqual([])
    expect(target().exited()).toBe(false)
    expect(report.failures).toBe(0)
    expect(report.max).toBeLessThan(500)
    expect(after.rss - before.rss).toBeLessThan(50 * MiB)
    expect(await freshDials(target(), 5)).toBe(5)
    expect(connection.status).toBe('open')
  })
})
