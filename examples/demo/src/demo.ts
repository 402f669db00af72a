/**
 * weft's in-process demo: two hosts on loopback connect over TCP, agree on Noise
 * and yamux, identify each other, ping, and echo a message on a new stream.
 * Every step prints with its time.
 *
 *   npx --yes pnpm@10.34.8 install && npx --yes pnpm@10.34.8 demo:hosts
 */
import type { IdentifyResult, Stream } from '@libp2p/interface'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { mplex } from '@weft/mplex'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { step } from './step.js'

const ECHO = '/weft-demo/echo/1.0.0'

function makeHost(name: string) {
  return createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux(), mplex()],
    nodeInfo: { name, version: '0.1.0', userAgent: `${name}/0.1.0` },
    services: { identify: identify(), ping: ping() },
  })
}

async function echo(stream: Stream): Promise<void> {
  for await (const chunk of stream) {
    if (!stream.send(chunk)) await stream.onDrain()
  }
  await stream.close()
}

async function main(): Promise<void> {
  const alice = await makeHost('alice')
  const bob = await makeHost('bob')
  step(`alice started: ${alice.peerId} on ${alice.getMultiaddrs().join(', ')}`)
  step(`bob   started: ${bob.peerId} on ${bob.getMultiaddrs().join(', ')}`)

  await bob.handle(ECHO, echo)
  const identified = new Promise<IdentifyResult>((resolve) => {
    alice.addEventListener('peer:identify', (evt) => resolve(evt.detail), { once: true })
  })

  const connection = await alice.dial(bob.getMultiaddrs()[0]!)
  step(
    `alice connected to bob over TCP: encryption ${connection.encryption}, muxer ${connection.multiplexer}`,
  )

  const result = await identified
  step(`alice identified bob: agent "${result.agentVersion}", protocols ${result.protocols.join(' ')}`)

  const rtt = await alice.services.ping.ping(bob.peerId)
  step(`alice pinged bob: round trip ${rtt.toFixed(2)} ms`)

  const stream = await alice.dialProtocol(bob.peerId, ECHO)
  const message = 'hello from alice over weft'
  const reply: string[] = []
  const reading = (async () => {
    for await (const chunk of stream) reply.push(new TextDecoder().decode(chunk.subarray()))
  })()
  stream.send(new TextEncoder().encode(message))
  await stream.close()
  await reading
  step(`alice sent "${message}" on ${ECHO}; bob echoed "${reply.join('')}"`)

  await alice.stop()
  await bob.stop()
  step('both hosts stopped')
  if (reply.join('') !== message) {
    process.stderr.write('echo mismatch\n')
    process.exitCode = 1
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
