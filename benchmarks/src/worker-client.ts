/**
 * The dialing node (weft or js-libp2p) for one benchmark case; reports its
 * measurements over IPC as `result { … }` and exits.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { ECHO_PROTOCOL, ECHO_STREAM_OPTIONS, echoOnce, firstMessage } from './protocols.js'
import { type BenchNode, createNode, type Muxer, type Stack, type TransportName } from './stacks/node.js'
import {
  measureMemory,
  nextMessage,
  reply,
  runWorker,
  type WorkerArgs,
  workerArgs,
} from './worker-runtime.js'

export type ClientTask =
  | { kind: 'throughput'; bytes: number }
  | { kind: 'setup'; dials: number; warmup: number; proxied?: string; proxiedDials: number }
  | { kind: 'streams'; streams: number; warmup: number }
  | { kind: 'ping'; pings: number; warmup: number }
  | { kind: 'memory'; connections: number }

interface ClientArgs extends WorkerArgs {
  stack: Stack
  muxer: Muxer
  transport?: TransportName
  address: string
  task: ClientTask
  /** ms for each single operation (a dial, a stream, a transfer) */
  opTimeoutMs: number
}

runWorker(async () => {
  const args = workerArgs<ClientArgs>()
  const node = await createNode(args.stack, { muxer: args.muxer, listen: false, transport: args.transport })
  const target = multiaddr(args.address)
  const op = () => ({ signal: AbortSignal.timeout(Math.ceil(args.opTimeoutMs)) })
  try {
    const task = args.task
    switch (task.kind) {
      case 'throughput': {
        const dialStart = performance.now()
        const connection = await step('dial', node.dial(target, op()))
        // the first dial of a fresh process, as the go and rust perf clients time theirs
        const connectMs = performance.now() - dialStart
        const upload = await step('upload', node.perf(connection, target, task.bytes, 0, op()))
        const download = await step('download', node.perf(connection, target, 0, task.bytes, op()))
        await reply({ type: 'result', upload, download, connectMs })
        break
      }
      case 'setup': {
        const direct = await timeDials(node, target, task.dials, task.warmup, op)
        const proxied =
          task.proxied == null ? [] : await timeDials(node, multiaddr(task.proxied), task.proxiedDials, 0, op)
        await reply({ type: 'result', direct, proxied })
        break
      }
      case 'streams': {
        const connection = await node.dial(target, op())
        for (let i = 0; i < task.warmup; i++) await echoOnce(connection, op())
        const start = performance.now()
        for (let i = 0; i < task.streams; i++) await echoOnce(connection, op())
        const seconds = (performance.now() - start) / 1000
        await reply({ type: 'result', perSecond: task.streams / seconds })
        break
      }
      case 'ping': {
        const connection = await node.dial(target, op())
        for (let i = 0; i < task.warmup; i++) await node.ping(connection, op())
        const times: number[] = []
        for (let i = 0; i < task.pings; i++) {
          const start = performance.now()
          await node.ping(connection, op())
          times.push(performance.now() - start)
        }
        await reply({ type: 'result', times })
        break
      }
      case 'memory': {
        const before = await measureMemory()
        // one after the other: both stacks fold concurrent dials to one peer into one connection
        for (let i = 0; i < task.connections; i++) await node.dial(target, op())
        // let the handshakes' garbage and any post-connect chatter settle
        await new Promise((resolve) => setTimeout(resolve, 1000))
        const after = await measureMemory()
        const open = node.libp2p.getConnections().filter((connection) => connection.status === 'open').length
        await reply({ type: 'result', before, after, open })
        await nextMessage('stop')
        break
      }
    }
  } finally {
    await node.stop()
  }
})

/** Labels a failure with the step that failed and how long it ran. */
async function step<T>(name: string, promise: Promise<T>): Promise<T> {
  const start = performance.now()
  try {
    return await promise
  } catch (err) {
    const elapsed = ((performance.now() - start) / 1000).toFixed(1)
    throw new Error(`${name} failed after ${elapsed} s: ${(err as Error).name}: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

/** Milliseconds of each fresh dial + upgrade + stream open + 1-byte echo; each connection is closed untimed. */
async function timeDials(
  node: BenchNode,
  target: ReturnType<typeof multiaddr>,
  dials: number,
  warmup: number,
  op: () => { signal: AbortSignal },
): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < warmup + dials; i++) {
    const options = op()
    const start = performance.now()
    const connection = await node.dial(target, options)
    // optimistic multistream-select on both stacks (see ECHO_STREAM_OPTIONS)
    const stream = await connection.newStream(ECHO_PROTOCOL, { ...options, ...ECHO_STREAM_OPTIONS })
    const echoed = firstMessage(stream, options)
    stream.send(Uint8Array.of(1))
    await echoed
    const elapsed = performance.now() - start
    if (i >= warmup) times.push(elapsed)
    await connection.close(options)
  }
  return times
}
