// weft's NAT discovery for the STUN lab, run inside a namespace and driven by
// JSON lines (see agent.ts). Loads @weft/stun's built output (dist/): run
// `tsc -b` first (`pnpm test` does).

import { discoverNat } from '@weft/stun'
import { serveAgent } from './agent-loop.mjs'

const ops = {
  ping: async () => 'pong',
  // RFC 5780 discovery and port allocation against `server`
  discover: async ({ server, allocationSamples }) => discoverNat({ server, allocationSamples }),
}

serveAgent(ops)
