/**
 * Acceptance 5 of the playground issue, the relay part: two @weft/playground
 * apps behind different NATs (alice port-restricted, bob symmetric: a pair
 * DCUtR cannot punch, see the README's matrix) and a public weft relay. Each
 * alice reserves a slot on the relay by listening on its circuit address; bob
 * joins alice by her circuit address, alice joins bob by his peer id (he is
 * already connected, through the relay), and they chat
 * both ways, to all (gossipsub) and to one (a direct stream), over whatever
 * path they are left on. Only alice reserves a slot: @weft/host's dialer
 * takes a circuit address through a relay we also listen on for one of our
 * own addresses (it compares addresses without the destination peer id), so
 * a joiner with its own reservation on the same relay cannot dial the circuit
 * yet. Topic discovery over a local Mainline swarm is not
 * here yet: it waits for the Mainline DHT issue.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NatLab } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const PLAYGROUND_AGENT = fileURLToPath(new URL('./playground-agent.mjs', import.meta.url))
const PLAYGROUND_BUILD = new URL('../../../packages/app/playground/dist/src/index.js', import.meta.url)
const NOT_RUN =
  LAB_NOT_RUN !== ''
    ? LAB_NOT_RUN
    : existsSync(PLAYGROUND_BUILD)
      ? ''
      : ' (not run: @weft/playground is not built; run npx tsc -b)'
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'
const APP = 'lab-chat'

interface Message {
  payload: { text: string }
  from: string
  direct: boolean
}

let lab: NatLab
let alice: Agent
let bob: Agent
let aliceId: string
let bobId: string
let aliceCircuit: string

beforeAll(async () => {
  if (NOT_RUN !== '') return
  lab = await NatLab.create({ alice: 'port-restricted', bob: 'symmetric' })
  const relay = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'relay')
  const relayId = (await relay.request<{ peerId: string }>('start', { listen: [RELAY_ADDRESS], relay: true }))
    .peerId
  const circuit = `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`
  alice = await Agent.start(lab, lab.host('alice').namespace, PLAYGROUND_AGENT, 'alice')
  bob = await Agent.start(lab, lab.host('bob').namespace, PLAYGROUND_AGENT, 'bob')
  const started = await Promise.all([
    alice.request<{ peerId: string; addresses: string[] }>(
      'start',
      { name: APP, listen: ['/ip4/0.0.0.0/tcp/4001', circuit] },
      30_000,
    ),
    bob.request<{ peerId: string; addresses: string[] }>(
      'start',
      { name: APP, listen: ['/ip4/0.0.0.0/tcp/4001'] },
      30_000,
    ),
  ])
  aliceId = started[0].peerId
  bobId = started[1].peerId
  aliceCircuit = `${circuit}/p2p/${aliceId}`
  expect(started[0].addresses).toContain(aliceCircuit)
}, 90_000)

afterAll(async () => {
  await lab?.destroy()
})

describe.skipIf(NOT_RUN !== '')(
  `two playgrounds behind port-restricted and symmetric NATs with a public relay${NOT_RUN}`,
  () => {
    it('find each other through the relay and chat both ways, to all and to one', async () => {
      // bob joins by alice's circuit address; alice joins bob by his peer id alone (the relayed connection)
      expect(await bob.request<string>('join', { address: aliceCircuit }, 30_000)).toBe(aliceId)
      expect(await alice.request<string>('join', { address: bobId }, 30_000)).toBe(bobId)

      await alice.request('send', { text: 'hello everyone, alice here' })
      await bob.request('send', { text: 'hi alice, bob here', to: aliceId })
      await bob.request('send', { text: 'hello everyone, bob here' })
      await alice.request('send', { text: 'hi bob, alice here', to: bobId })

      const atBob = await bob.request<Message[]>('received', { count: 2, timeout: 15_000 }, 20_000)
      const atAlice = await alice.request<Message[]>('received', { count: 2, timeout: 15_000 }, 20_000)
      expect(atBob).toEqual(
        expect.arrayContaining([
          { payload: { text: 'hello everyone, alice here' }, from: aliceId, direct: false },
          { payload: { text: 'hi bob, alice here' }, from: aliceId, direct: true },
        ]),
      )
      expect(atBob).toHaveLength(2)
      expect(atAlice).toEqual(
        expect.arrayContaining([
          { payload: { text: 'hi alice, bob here' }, from: bobId, direct: true },
          { payload: { text: 'hello everyone, bob here' }, from: bobId, direct: false },
        ]),
      )
      expect(atAlice).toHaveLength(2)

      // the path they chatted on: this NAT pair cannot be hole-punched, so the relay carries it
      const paths = await bob.request<Array<{ remoteAddr: string; limited: boolean }>>('connections', {
        peer: aliceId,
      })
      console.log(`bob → alice connections: ${JSON.stringify(paths)}`)
      expect(paths.length).toBeGreaterThan(0)
      expect(paths.some((path) => path.remoteAddr.includes('/p2p-circuit'))).toBe(true)
    }, 90_000)
  },
)
