import { generateKeyPair } from '@weft/crypto'
import { type MainlineDHT, mainlineDHT } from '@weft/mainline-dht'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { type Playground, playground } from '../src/index.js'
import { fromEnvironment } from '../src/options.js'
import {
  nextLookupDelay,
  parseEndpoint,
  peersToDial,
  resolveMainline,
  TopicDiscovery,
} from '../src/topic-discovery.js'
import { LOOPBACK, recorder, waitUntil } from './helpers.js'

/** Sockets and timers this process holds, by kind. */
function handles(kind: string): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === kind).length
}

async function peerId() {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

describe('topic discovery: the pure parts', () => {
  it('parses bootstrap nodes as a person types them, and refuses the rest', () => {
    expect(parseEndpoint('198.51.100.2:6881')).toEqual({ host: '198.51.100.2', port: 6881 })
    expect(parseEndpoint('[::1]:6881')).toEqual({ host: '::1', port: 6881 })
    expect(parseEndpoint('dht.example:25401')).toEqual({ host: 'dht.example', port: 25401 })
    for (const bad of ['198.51.100.2', '::1:6881', 'host:0', 'host:70000', '[nope]:1', ''])
      expect(() => parseEndpoint(bad), bad).toThrow(TypeError)
  })

  it('is off unless bootstrap nodes are named, and checks its bounds', () => {
    expect(() => resolveMainline({ bootstrap: [] })).toThrow(/at least one DHT node/)
    expect(() => resolveMainline({ bootstrap: ['127.0.0.1:1'], maxDialsPerRound: 0 })).toThrow(RangeError)
    expect(() => resolveMainline({ bootstrap: ['127.0.0.1:1'], maxDialsPerRound: 65 })).toThrow(RangeError)
    expect(() => resolveMainline({ bootstrap: ['127.0.0.1:1'], lookupInterval: 2 ** 31 })).toThrow(RangeError)
    expect(resolveMainline({ bootstrap: ['127.0.0.1:1'] })).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      lookupInterval: 1_000,
      maxLookupInterval: 300_000,
      maxDialsPerRound: 8,
    })
  })

  it('takes bootstrap nodes from WEFT_PLAYGROUND_MAINLINE, and nothing without it', () => {
    const saved = process.env.WEFT_PLAYGROUND_MAINLINE
    try {
      delete process.env.WEFT_PLAYGROUND_MAINLINE
      expect(fromEnvironment().mainline).toBeUndefined()
      process.env.WEFT_PLAYGROUND_MAINLINE = '198.51.100.2:6881, 198.51.100.3:6881'
      expect(fromEnvironment().mainline).toEqual({ bootstrap: ['198.51.100.2:6881', '198.51.100.3:6881'] })
    } finally {
      if (saved == null) delete process.env.WEFT_PLAYGROUND_MAINLINE
      else process.env.WEFT_PLAYGROUND_MAINLINE = saved
    }
  })

  it('backs off while rounds find nobody, up to the ceiling, and starts over on a new peer', () => {
    const init = { lookupInterval: 1_000, maxLookupInterval: 5_000 }
    const delays = [1_000]
    for (let i = 0; i < 4; i++) delays.push(nextLookupDelay(delays.at(-1)!, 0, init))
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000])
    expect(nextLookupDelay(5_000, 1, init)).toBe(1_000)
  })

  it('dials each peer found once, never itself or one already connected, at most the cap', async () => {
    const [self, connected, ...others] = await Promise.all(Array.from({ length: 6 }, peerId))
    const found = [self!, connected!, others[0]!, others[0]!, ...others].map((id) => ({ id, multiaddrs: [] }))
    const chosen = peersToDial(found, self!, (peer) => peer.equals(connected!), 3)
    expect(chosen.map((info) => info.id.toString())).toEqual(others.slice(0, 3).map(String))
  })

  it('stops between rounds and during one, leaving no timer behind', async () => {
    const timersBefore = handles('Timeout')
    let rounds = 0
    const discovery = new TopicDiscovery(
      {
        self: await peerId(),
        round: async (signal) => {
          rounds++
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
          throw new Error('aborted')
        },
        dial: async () => {},
        isConnected: () => false,
        log: () => {},
      },
      { lookupInterval: 10, maxLookupInterval: 100, maxDialsPerRound: 4 },
    )
    discovery.start()
    await waitUntil(() => rounds === 1, 'a round to start')
    await discovery.stop()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(rounds).toBe(1)
    expect(handles('Timeout')).toBeLessThanOrEqual(timersBefore)
  })
})

describe('two playgrounds that know only a local Mainline swarm', () => {
  const swarm: MainlineDHT[] = []
  const started: Playground[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map(async (node) => node.stop()))
    await Promise.all(swarm.splice(0).map(async (node) => node.stop()))
  })

  it('is off by default: no Mainline service, no UDP socket', async () => {
    const udpBefore = handles('UDPWrap')
    const node = await playground('topic-off', LOOPBACK)
    started.push(node)
    expect(node.host.services.mainline).toBeUndefined()
    expect(handles('UDPWrap')).toBe(udpBefore)
  })

  it('find each other by app name and chat; an app of another name does not join them; stop closes everything', async () => {
    const udpBefore = handles('UDPWrap')
    const tcpBefore = handles('TCPServerWrap') + handles('TCPSocketWrap')
    // four DHT nodes on loopback, each knowing the first
    const first = mainlineDHT({ host: '127.0.0.1', nodesPerIp: 16 })
    await first.start()
    swarm.push(first)
    for (let i = 0; i < 3; i++) {
      const node = mainlineDHT({ host: '127.0.0.1', nodesPerIp: 16, bootstrap: first.addresses() })
      await node.start()
      swarm.push(node)
    }
    const bootstrap = swarm.map((node) => `127.0.0.1:${node.addresses()[0]!.port}`)
    const mainline = { bootstrap, host: '127.0.0.1', nodesPerIp: 16, lookupInterval: 200 }
    const [a, b, other] = await Promise.all([
      playground('topic-chat', { ...LOOPBACK, mainline }),
      playground('topic-chat', { ...LOOPBACK, mainline }),
      playground('topic-other', { ...LOOPBACK, mainline }),
    ])
    started.push(a!, b!, other!)
    // seven DHT sockets are open now (the check at the end is not vacuous)
    expect(handles('UDPWrap')).toBeGreaterThanOrEqual(udpBefore + 7)

    await waitUntil(
      () => a!.peers.includes(b!.peerId) && b!.peers.includes(a!.peerId),
      'a and b to meet',
      20_000,
    )
    const atA = recorder()
    const atB = recorder()
    a!.on('chat', atA.handler)
    b!.on('chat', atB.handler)
    await a!.send('chat', { text: 'hello from a' }, { to: b!.peerId })
    await b!.send('chat', { text: 'hello from b' }, { to: a!.peerId })
    await waitUntil(() => atA.received.length === 1 && atB.received.length === 1, 'both messages')
    expect(atB.received).toEqual([{ payload: { text: 'hello from a' }, from: a!.peerId, direct: true }])
    expect(atA.received).toEqual([{ payload: { text: 'hello from b' }, from: b!.peerId, direct: true }])

    // a few more rounds: the other app's topic never names a or b
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(other!.peers).toEqual([])
    expect(a!.peers).toEqual([b!.peerId])
    expect(b!.peers).toEqual([a!.peerId])

    await Promise.all(started.splice(0).map(async (node) => node.stop()))
    await Promise.all(swarm.splice(0).map(async (node) => node.stop()))
    await waitUntil(
      () =>
        handles('UDPWrap') <= udpBefore && handles('TCPServerWrap') + handles('TCPSocketWrap') <= tcpBefore,
      'every socket to close',
      5_000,
    )
  }, 60_000)
})
