/**
 * Issue 13, defect 6, in floodsub (the shared @weft/pubsub shell): copies of
 * a message cost no signature verification, and each peer's verifications
 * per window are rationed.
 */
import { buildMessage, type Message, RPC, StrictSign } from '@weft/pubsub'
import { TestNetwork } from '@weft/testkit'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type FloodSub, floodsub } from '../src/index.js'

/** The part of a pubsub service's private surface these tests drive. */
interface PrivateFrameHandler {
  peers: Map<string, unknown>
  onFrame(peer: unknown, frame: Uint8ArrayList): void
}

let net: TestNetwork<FloodSub> | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await net?.stop()
  net = undefined
})

describe('floodsub received-message verification', () => {
  it('verifies one copy of a repeated message and at most maxVerificationsPerPeer distinct ones', async () => {
    net = new TestNetwork()
    const node = await net.addNode(floodsub({ maxVerificationsPerPeer: 20, verificationWindow: 60_000 }))
    const peer = await net.addNode(floodsub())
    net.connect(node, peer)
    node.service.subscribe('t')
    const delivered: Message[] = []
    node.service.addEventListener('message', (evt: CustomEvent<Message>) => delivered.push(evt.detail))
    const author = peer.privateKey
    const sign = async (seqno: bigint) =>
      (await buildMessage(StrictSign, author, peer.peerId, 't', Uint8Array.of(1), seqno)).raw
    const copy = await sign(1n)
    const distinct = await Promise.all(Array.from({ length: 50 }, async (_, i) => sign(BigInt(i + 2))))
    const verify = vi.spyOn(Object.getPrototypeOf(author.publicKey), 'verify')
    // the private frame handler, driven directly so copies arrive in one turn of the event loop
    const service = node.service as unknown as PrivateFrameHandler
    const streams = service.peers.get(peer.peerId.toString())
    service.onFrame(
      streams,
      new Uint8ArrayList(RPC.encode({ subscriptions: [], messages: Array(3000).fill(copy) })),
    )
    service.onFrame(streams, new Uint8ArrayList(RPC.encode({ subscriptions: [], messages: distinct })))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(verify).toHaveBeenCalledTimes(20)
    expect(delivered).toHaveLength(20)
    expect(node.service.counters.duplicates).toBe(2999)
    expect(node.service.counters.droppedOverBudget).toBe(31)
  })
})
