/**
 * weft's gossipsub and go-libp2p-pubsub's GossipSub (StrictSign, message id
 * from + seqno on both) in one mesh on TCP loopback: three weft and three go
 * hosts in a ring that alternates the stacks, plus two chords (mixed-mesh.ts).
 * Every host publishes and every host gets every other host's message
 * exactly once. Then a weft host publishes a burst as fast as its publish
 * resolves:
 * - into go hosts with go-libp2p-pubsub's default queues (validation queue
 *   32, outbound queue 32 RPCs per peer), where go drops part of a burst.
 *   The test asserts that every loss is one go's own tracer puts down to
 *   those queues (no message refused for any other reason) and records how
 *   many; the same burst from a go host into the same mesh is measured
 *   beside it, as evidence that the loss is go's queueing, not weft's
 *   messages;
 * - into go hosts whose queues are sized for it (1024, go's public
 *   WithValidateQueueSize / WithPeerOutboundQueueSize options): every go
 *   host gets all of it exactly once, and go counts no drop at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goBinary } from './agent.js'
import { MixedMesh, type PubSubStats, since } from './mixed-mesh.js'
import { ResultTable } from './results.js'
import { GO_NOT_RUN } from './weft-nodes.js'

const TOPIC = 'interop'
const ROUNDS = 5
const BURST = 200
const GO = 'go-libp2p-pubsub'
/** What go-libp2p-pubsub's RawTracer calls a drop at a full validation queue (pubsub's RejectValidationQueueFull). */
const QUEUE_FULL = 'validation queue full'
const results = new ResultTable(
  'gossipsub',
  'Three weft and three go-libp2p hosts in one gossipsub mesh (a ring alternating the stacks plus two chords), ' +
    'heartbeat 200 ms on both.',
)

describe.skipIf(GO_NOT_RUN !== '')(
  `gossipsub: weft ⇄ go-libp2p-pubsub${GO_NOT_RUN}`,
  { timeout: 120_000 },
  () => {
    let mesh: MixedMesh | undefined
    let sized: MixedMesh | undefined

    beforeAll(async () => {
      await goBinary()
      mesh = await MixedMesh.create(TOPIC, {})
    }, 600_000)

    afterAll(async () => {
      results.write()
      await Promise.all([mesh?.stop(), sized?.stop()])
    })

    it('forms meshes that span both stacks', async () => {
      await results.cell('subscriptions seen and meshes grafted across the stacks', GO, async () => {
        await mesh!.waitForCrossStackMesh(20_000)
      })
    })

    it('every host publishes, every host gets every message exactly once', async () => {
      const m = mesh!
      const expected: Array<{ body: string; publisher: number }> = []
      const problems = async (): Promise<string[]> => {
        const out: string[] = []
        for (const [index, member] of m.members.entries()) {
          const counts = await m.countsAt(member)
          for (const { body, publisher } of expected) {
            const times = counts.get(body) ?? 0
            if (publisher !== index && times !== 1) out.push(`${member.name} got ${body} ${times} times`)
          }
        }
        return out
      }
      const published = await results.cell(
        `each of the 6 hosts publishes ${ROUNDS} messages, all others get each exactly once`,
        GO,
        async () => {
          for (let round = 0; round < ROUNDS; round++) {
            for (const [index, member] of m.members.entries()) {
              const body = `${member.name}-${round}`
              expected.push({ body, publisher: index })
              await m.publish(member, body)
            }
          }
          await m.settle(async () => (await problems()).length === 0, 20_000)
          expect(await problems()).toEqual([])
          return expected.length
        },
        (n) => `${n} messages × 5 receivers, no loss, no duplicate`,
      )
      expect(published).toBe(m.members.length * ROUNDS)
    })

    it(`a burst of ${BURST} from weft into go's default queues: every loss is go's queue overflow`, async () => {
      const m = mesh!
      const gos = m.goMembers()
      const weftBodies = Array.from({ length: BURST }, (_, i) => `weft-burst-${i}`)
      const goBodies = Array.from({ length: BURST }, (_, i) => `go-burst-${i}`)
      await results.cell(
        `weft publishes ${BURST} back to back into go's default queues (32): every loss is go's own queue overflow, nothing arrives twice`,
        GO,
        async () => {
          // the weft burst
          const before = await m.goStats()
          const weftMs = await m.burstFromWeft(weftBodies)
          await m.settle(
            async () => (await m.missingAtGo(weftBodies)).every((list) => list.length === 0),
            5_000,
          )
          const weft = {
            missing: await m.missingAtGo(weftBodies),
            stats: sinceAll(before, await m.goStats()),
          }
          // the same burst from the go host g0, as the other stack's evidence
          const middle = await m.goStats()
          const goMs = await m.burstFromGo(gos[0]!, 'go-burst-', BURST)
          await m.settle(
            async () => (await m.missingAtGo(goBodies, gos[0])).every((list) => list.length === 0),
            5_000,
          )
          const go = {
            missing: await m.missingAtGo(goBodies, gos[0]),
            stats: sinceAll(middle, await m.goStats()),
          }

          // every message a go host lacks, go itself refused for a full queue: no other reason at all
          for (const run of [weft, go]) {
            for (const stats of run.stats)
              expect(Object.keys(stats.rejected).filter((r) => r !== QUEUE_FULL)).toEqual([])
            if (total(run.missing) > 0) expect(dropsOf(run.stats)).toBeGreaterThan(0)
          }
          // the exactly-once half holds whatever the queues did: nothing arrives twice
          for (const member of gos) {
            const counts = await m.countsAt(member)
            expect([...weftBodies, ...goBodies].filter((body) => (counts.get(body) ?? 0) > 1)).toEqual([])
          }
          return { weft, go, weftMs, goMs }
        },
        ({ weft, go, weftMs, goMs }) =>
          `weft burst (${weftMs} ms): ${total(weft.missing)} of ${BURST * gos.length} not delivered, go dropped ` +
          `${describeDrops(weft.stats)}; go burst from g0 (${goMs} ms): ${total(go.missing)} of ${BURST * (gos.length - 1)} ` +
          `not delivered, ${describeDrops(go.stats)}`,
      )
    })

    it(`a burst of ${BURST} from weft into go hosts with queues of 1024 arrives completely, once`, async () => {
      await results.cell(
        `weft publishes ${BURST} back to back; go hosts with queues of 1024 get all, once`,
        GO,
        async () => {
          sized = await MixedMesh.create(TOPIC, { validateQueueSize: 1024, outboundQueueSize: 1024 })
          await sized.waitForCrossStackMesh(20_000)
          const bodies = Array.from({ length: BURST }, (_, i) => `burst-${i}`)
          const before = await sized.goStats()
          const ms = await sized.burstFromWeft(bodies)
          await sized.settle(
            async () => (await sized!.missingAtGo(bodies)).every((list) => list.length === 0),
            20_000,
          )
          const stats = sinceAll(before, await sized.goStats())
          const gos = sized.goMembers()
          const missing = await sized.missingAtGo(bodies)
          expect(
            gos.map((g, i) => ({
              host: g.name,
              missing: missing[i]!.length,
              rejected: stats[i]!.rejected,
              droppedRpcs: stats[i]!.droppedRpcs,
              undeliverable: stats[i]!.undeliverable,
            })),
          ).toEqual(
            gos.map((g) => ({ host: g.name, missing: 0, rejected: {}, droppedRpcs: 0, undeliverable: 0 })),
          )
          return ms
        },
        (ms) => `${BURST} published in ${ms} ms, ${BURST} received by each of 3 go hosts, go dropped none`,
      )
    })
  },
)

function sinceAll(before: PubSubStats[], after: PubSubStats[]): PubSubStats[] {
  return after.map((stats, i) => since(before[i]!, stats))
}

function total(missing: string[][]): number {
  return missing.reduce((sum, list) => sum + list.length, 0)
}

function dropsOf(stats: PubSubStats[]): number {
  return stats.reduce((sum, s) => sum + (s.rejected[QUEUE_FULL] ?? 0) + s.droppedRpcs + s.undeliverable, 0)
}

function describeDrops(stats: PubSubStats[]): string {
  const queueFull = stats.reduce((sum, s) => sum + (s.rejected[QUEUE_FULL] ?? 0), 0)
  const rpcs = stats.reduce((sum, s) => sum + s.droppedRpcs, 0)
  return `${queueFull} at a full validation queue, ${rpcs} outbound RPCs at a full peer queue`
}
