// A weft host with the network report service, for the network report lab;
// run inside a namespace and driven by JSON lines (see agent.ts). Loads the
// packages' built output (dist/): run `tsc -b` first (`pnpm test` does).

import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { networkReport, renderText } from '@weft/network-report'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { serveAgent } from './agent-loop.mjs'

let host
let armed

const ops = {
  ping: async () => 'pong',
  // a host listening on every interface, its report measured against the lab's servers
  start: async ({ stunServers, turnServers, interfacePollInterval }) => {
    host = await createHost({
      addresses: { listen: ['/ip4/0.0.0.0/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        network: networkReport({ stunServers, turnServers, interfacePollInterval, allocationSamples: 5 }),
      },
    })
    return host.services.network.refresh({ signal: AbortSignal.timeout(60_000) })
  },
  report: async () => host.services.network.getReport(),
  refresh: async () => host.services.network.refresh({ signal: AbortSignal.timeout(60_000) }),
  text: async () => renderText(host.services.network.getReport()),
  // starts listening for the next 'change' naming `part` (answers at once)
  arm: async ({ part }) => {
    armed = new Promise((resolve) => {
      const listener = (evt) => {
        if (!evt.detail.parts.includes(part)) return
        host.services.network.removeEventListener('change', listener)
        resolve(evt.detail)
      }
      host.services.network.addEventListener('change', listener)
    })
    return true
  },
  // the change `arm` listened for
  changed: async () => armed,
  stop: async () => {
    await host?.stop()
    return true
  },
}

serveAgent(ops)
