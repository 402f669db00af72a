/**
 * Cold start, weft: import, create and start a host with TCP, Noise, yamux,
 * identify and ping listening on loopback, then stop. The orchestrator times
 * this process from spawn to exit.
 */
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'

const host = await createHost({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() },
})
if (host.getMultiaddrs().length === 0) throw new Error('the host is not listening')
await host.stop()
