// weft's NAT discovery for the STUN lab, run inside a namespace and driven by
// JSON lines (see agent.ts). Loads @weft/stun's built output (dist/): run
// `tsc -b` first (`pnpm test` does).

import { DISCOVERY_TIMING, discoverNat, openUdpClient, portAllocation } from '@weft/stun'
import { serveAgent } from './agent-loop.mjs'

/** The port `to` saw one Binding from `client` come from. */
async function mappedPort(client, to) {
  const { mapped } = await client.request(to, DISCOVERY_TIMING)
  return mapped.port
}

/**
 * Makes a port-preserving NAT collide, on purpose: socket A (`first`, port
 * `held`) asks `endpoints[0]` then `endpoints[1]`; socket B on the
 * second LAN address `second` binds the same port and asks `endpoints[2]`.
 * Then P2PD's allocation samples: fresh sockets on `second` at
 * `freshPorts`, each to the next endpoint, with B's first Binding among
 * them (third), so exactly one sample's port was taken.
 */
async function collide({ first, second, held, endpoints, freshPorts }) {
  const opened = []
  const open = async (address, port) => {
    const client = await openUdpClient({ address, port })
    opened.push(client)
    return client
  }
  try {
    const a = await open(first, held)
    const port = a.socket.address().port
    const kept = await mappedPort(a, endpoints[0])
    const otherDestination = await mappedPort(a, endpoints[1])
    const b = await open(second, port)
    const otherHost = await mappedPort(b, endpoints[2])
    const samples = []
    for (const [i, fresh] of freshPorts.entries()) {
      if (i === 2) samples.push({ localPort: port, mappedPort: otherHost })
      const client = await open(second, fresh)
      samples.push({ localPort: fresh, mappedPort: await mappedPort(client, endpoints[(i + 3) % 4]) })
    }
    return { port, kept, otherDestination, otherHost, samples, ...portAllocation(samples) }
  } finally {
    for (const client of opened) client.close()
  }
}

const ops = {
  ping: async () => 'pong',
  // RFC 5780 discovery and port allocation against `server`
  discover: async ({ server, allocationSamples }) => discoverNat({ server, allocationSamples }),
  collide,
}

serveAgent(ops)
