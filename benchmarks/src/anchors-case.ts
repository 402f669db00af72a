/**
 * The anchors case: go-libp2p's and rust-libp2p's own /perf/1.0.0 server and
 * client (src/stacks/anchors.ts), each against itself and against weft in
 * both directions, with the byte counts and time-outs of the throughput case.
 */

import { READY_TIMEOUT, type RunContext, runClient, throughputTimeoutMs, workerOptions } from './cases.js'
import { startProcess, startWorker, type Worker, type WorkerMessage } from './child.js'
import { PERF_PAIRS, type PerfStack, STACK_NAMES } from './perf-pairs.js'
import { type Anchor, clientArgs, serverArgs } from './stacks/anchors.js'

const MB = 1e6

function isAnchor(stack: PerfStack): stack is Anchor {
  return stack === 'go' || stack === 'rust'
}

/** A /perf/1.0.0 server of `stack` (an anchor's own, or a weft host with yamux); sends `ready { address }`. */
function perfServer(stack: PerfStack, ctx: RunContext, timeoutMs: number): Worker {
  const deadlineMs = timeoutMs + READY_TIMEOUT + 30_000
  if (isAnchor(stack)) {
    return startProcess(
      `${STACK_NAMES[stack]} perf server`,
      ctx.anchors.get(stack)!,
      serverArgs(deadlineMs / 1000),
    )
  }
  if (stack === 'js') throw new Error('js-libp2p runs against itself in the throughput case only')
  return startWorker(
    `${stack} server`,
    './worker-server.js',
    { stack, muxer: 'yamux', gc: false, deadlineMs },
    workerOptions(stack, ctx),
  )
}

/** One perf client of `stack` against `address`: an upload-only and a download-only exchange. */
async function perfClient(stack: PerfStack, address: string, ctx: RunContext, timeoutMs: number) {
  const bytes = ctx.config.throughputBytes
  if (!isAnchor(stack)) {
    if (stack === 'js') throw new Error('js-libp2p runs against itself in the throughput case only')
    const result = await runClient<WorkerMessage & { upload: number; download: number; connectMs: number }>(
      stack,
      'yamux',
      address,
      { kind: 'throughput', bytes },
      ctx,
      timeoutMs,
      { opTimeoutMs: timeoutMs },
    )
    return { uploadSeconds: result.upload, downloadSeconds: result.download, connectMs: result.connectMs }
  }
  const client = startProcess(
    `${STACK_NAMES[stack]} perf client`,
    ctx.anchors.get(stack)!,
    clientArgs(address, bytes, (timeoutMs + 10_000) / 1000),
  )
  try {
    const result = await client.next<
      WorkerMessage & { connectSeconds: number; uploadSeconds: number; downloadSeconds: number }
    >('result', timeoutMs)
    return {
      uploadSeconds: result.uploadSeconds,
      downloadSeconds: result.downloadSeconds,
      connectMs: result.connectSeconds * 1000,
    }
  } finally {
    await client.stop()
  }
}

async function perfPair(client: PerfStack, server: PerfStack, ctx: RunContext): Promise<void> {
  const bytes = ctx.config.throughputBytes
  const timeoutMs = throughputTimeoutMs(bytes)
  const listener = perfServer(server, ctx, timeoutMs)
  try {
    const ready = await listener.next<WorkerMessage & { address: string }>('ready', READY_TIMEOUT)
    const result = await perfClient(client, ready.address, ctx, timeoutMs)
    ctx.pairs.add(client, server, {
      uploadMBps: bytes / MB / result.uploadSeconds,
      downloadMBps: bytes / MB / result.downloadSeconds,
      connectMs: result.connectMs,
    })
  } finally {
    await listener.stop()
  }
}

/**
 * One repetition of the anchors: go-libp2p and rust-libp2p each against
 * itself and against weft, both directions; pairs whose anchor was not built
 * are left out (the report says why). `reverse` alternates the order.
 */
export async function runAnchors(ctx: RunContext, reverse: boolean): Promise<void> {
  const pairs = PERF_PAIRS.filter(
    ([client, server]) =>
      (isAnchor(client) || isAnchor(server)) &&
      [client, server].every((stack) => !isAnchor(stack) || ctx.anchors.has(stack)),
  )
  for (const [client, server] of reverse ? [...pairs].reverse() : pairs) {
    const name = `anchors ${STACK_NAMES[client]} → ${STACK_NAMES[server]}`
    const start = performance.now()
    try {
      await perfPair(client, server, ctx)
      ctx.log(`  ${name}: ${((performance.now() - start) / 1000).toFixed(1)} s`)
    } catch (err) {
      const message = `${name}: ${(err as Error).message}`
      ctx.results.failures.push(message)
      ctx.log(`  FAILED ${message}`)
    }
  }
}
