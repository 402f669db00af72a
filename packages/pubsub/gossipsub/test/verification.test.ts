/**
 * Issue 13, defect 6: a received message's id is known before its signature
 * is checked, so copies of a message seen or being verified cost no
 * verification (and still count for P3), and each peer's verifications per
 * heartbeat are rationed.
 */
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { buildMessage, type Message, RPC, StrictSign } from '@weft/pubsub'
import { TestNetwork } from '@weft/testkit'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type GossipSub, type GossipSubInit, gossipsub } from '../src/index.js'

/** The part of a pubsub service's private surface these tests drive. */
interface PrivateFrameHandler {
  peers: Map<string, unknown>
  onFrame(peer: unknown, frame: Uint8ArrayList): void
}

const TOPIC = 'verify'

let net: TestNetwork<GossipSub> | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await net?.stop()
  net = undefined
})

/** A subscribed node and two peers; RPCs from a peer are fed straight to the node's frame handler. */
async function setup(init: GossipSubInit = {}) {
  net = new TestNetwork()
  const node = await net.addNode(gossipsub({ heartbeatTimer: false, ...init }))
  const a = await net.addNode(gossipsub({ heartbeatTimer: false }))
  const b = await net.addNode(gossipsub({ heartbeatTimer: false }))
  net.connect(node, a)
  net.connect(node, b)
  node.service.subscribe(TOPIC)
  const delivered: Message[] = []
  node.service.addEventListener('message', (evt: CustomEvent<Message>) => delivered.push(evt.detail))
  // the private frame handler, driven directly so copies arrive in one turn of the event loop
  const service = node.service as unknown as PrivateFrameHandler
  const feed = (from: typeof a, messages: RPC.Message[]): void => {
    const peer = service.peers.get(from.peerId.toString())
    service.onFrame(peer, new Uint8ArrayList(RPC.encode({ subscriptions: [], messages })))
  }
  return { node, a, b, delivered, feed }
}

async function signed(key: Awaited<ReturnType<typeof generateKeyPair>>, seqno: bigint) {
  return (
    await buildMessage(StrictSign, key, peerIdFromPrivateKey(key), TOPIC, Uint8Array.of(1, 2, 3), seqno)
  ).raw
}

const tick = async () => new Promise((resolve) => setTimeout(resolve, 10))

describe('gossipsub message verification', () => {
  it('verifies one of 2000 copies in an RPC, delivers it once and counts the rest as duplicates', async () => {
    const { node, a, delivered, feed } = await setup()
    const author = await generateKeyPair('Ed25519')
    const raw = await signed(author, 1n)
    const verify = vi.spyOn(Object.getPrototypeOf(author.publicKey), 'verify')
    feed(
      a,
      Array.from({ length: 2000 }, () => raw),
    )
    feed(
      a,
      Array.from({ length: 2000 }, () => raw),
    )
    await tick()
    expect(verify).toHaveBeenCalledTimes(1)
    expect(delivered).toHaveLength(1)
    expect(node.service.counters.duplicates).toBe(3999)
    expect(node.service.counters.accepted).toBe(1)
  })

  it('credits a copy that arrived while the first was being verified (P3 bookkeeping)', async () => {
    const { node, a, b, feed } = await setup()
    const author = await generateKeyPair('Ed25519')
    const raw = await signed(author, 7n)
    const verify = vi.spyOn(Object.getPrototypeOf(author.publicKey), 'verify')
    feed(a, [raw])
    feed(b, [raw])
    await tick()
    expect(verify).toHaveBeenCalledTimes(1)
    const id = [...node.service.router.mcache.getGossipIds(TOPIC)][0]
    expect(node.service.router.score.delivered(id, b.peerId.toString())).toBe(true)
  })

  it('drops a forged copy without blocking the genuine message that comes after it', async () => {
    const { a, b, delivered, feed } = await setup()
    const author = await generateKeyPair('Ed25519')
    const raw = await signed(author, 9n)
    const forged = { ...raw, data: Uint8Array.of(6, 6, 6) }
    feed(a, [forged])
    await tick()
    feed(b, [raw])
    await tick()
    expect(delivered.map((m) => [...m.data])).toEqual([[1, 2, 3]])
  })

  it('verifies at most maxVerificationsPerPeer messages per peer and heartbeat, and penalises the excess', async () => {
    const { node, a, b, delivered, feed } = await setup({
      maxVerificationsPerPeer: 50,
      heartbeatInterval: 60_000,
    })
    const author = await generateKeyPair('Ed25519')
    const messages = await Promise.all(
      Array.from({ length: 250 }, async (_, i) => signed(author, BigInt(i + 1))),
    )
    const verify = vi.spyOn(Object.getPrototypeOf(author.publicKey), 'verify')
    feed(a, messages)
    await tick()
    expect(verify).toHaveBeenCalledTimes(50)
    expect(delivered).toHaveLength(50)
    expect(node.service.counters.droppedOverBudget).toBe(200)
    // one P7 penalty for the first drop and one per further 50: four in all
    expect(node.service.getScore(a.peerId.toString())).toBeLessThan(0)
    // the dropped messages stay unseen: another peer's copies get through on its own budget
    feed(b, messages.slice(50, 100))
    await tick()
    expect(delivered).toHaveLength(100)
    expect(node.service.getScore(b.peerId.toString())).toBeGreaterThanOrEqual(0)
  })
})
