/**
 * A playground host for the playground case (`playground-case.ts`). Role
 * `source`: writes a file of `bytes` random bytes, shares it and serves
 * `/perf/1.0.0` on the same host, then sends `ready { address, id }`.
 * Role `fetcher`: joins the source and, over that one connection, times a
 * `/perf/1.0.0` download of `bytes`, `getFile` of the shared file, and the
 * perf download again (the mean of the two perf runs is the comparison, so a
 * change of machine load during the run weighs on both sides), then sends
 * `result { perfSeconds, fileSeconds, perfCpuMs, fileCpuMs }` (the last two:
 * this process's CPU time during the first perf download and `getFile`).
 *
 * @weft/playground is loaded from its build (packages/app/playground/dist)
 * by path until it is a devDependency of the benchmarks.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection, Stream } from '@libp2p/interface'
import { runPerf, servePerf } from '@weft/perf'
import { nextMessage, reply, runWorker, type WorkerArgs, workerArgs } from './worker-runtime.js'

const PLAYGROUND = new URL('../../../packages/app/playground/dist/src/index.js', import.meta.url).href
const PERF = '/perf/1.0.0'
const MIB = 1024 * 1024

/** The part of @weft/playground's API this worker uses. */
interface PlaygroundApp {
  readonly addresses: string[]
  readonly host: {
    handle(
      protocol: string,
      handler: (stream: Stream, connection: Connection) => void,
      options?: { maxInboundStreams?: number },
    ): Promise<void>
    getConnections(peer?: unknown): Connection[]
  }
  join(address: string): Promise<string>
  shareFile(path: string): Promise<string>
  getFile(id: string, dest: string, options?: { signal?: AbortSignal }): Promise<void>
  stop(): Promise<void>
}
interface PlaygroundModule {
  playground(app: string, options: { listen: string[]; mdns: boolean }): Promise<PlaygroundApp>
}

export interface PlaygroundArgs extends WorkerArgs {
  role: 'source' | 'fetcher'
  bytes: number
  /** the fetcher's: the source's address and the file's id */
  address?: string
  id?: string
  /** ms for each timed transfer */
  opTimeoutMs: number
}

async function writeRandomFile(path: string, size: number): Promise<void> {
  const handle = await open(path, 'w')
  try {
    for (let written = 0; written < size; written += MIB)
      await handle.write(randomBytes(Math.min(MIB, size - written)))
  } finally {
    await handle.close()
  }
}

async function perfDownload(connection: Connection, bytes: number, timeoutMs: number): Promise<number> {
  const signal = AbortSignal.timeout(timeoutMs)
  const start = performance.now()
  const stream = await connection.newStream(PERF, { signal })
  for await (const output of runPerf(stream, 0, bytes, { signal })) {
    if (output.type === 'final') {
      if (output.downloadBytes !== bytes)
        throw new Error(`perf downloaded ${output.downloadBytes} of ${bytes}`)
      return (performance.now() - start) / 1000
    }
  }
  throw new Error('the perf exchange ended without a final report')
}

runWorker(async () => {
  const args = workerArgs<PlaygroundArgs>()
  const { playground } = (await import(PLAYGROUND)) as PlaygroundModule
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-playground-'))
  const app = await playground('bench', { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  try {
    if (args.role === 'source') {
      const block = new Uint8Array(64 * 1024)
      await app.host.handle(
        PERF,
        (stream) => {
          servePerf(stream, { maxRequestBytes: 2 ** 40, block }).catch(() => {})
        },
        { maxInboundStreams: 4 },
      )
      const path = join(dir, 'shared')
      await writeRandomFile(path, args.bytes)
      const id = await app.shareFile(path)
      await reply({ type: 'ready', address: app.addresses[0]!, id })
      await nextMessage('stop')
      return
    }
    const peer = await app.join(args.address!)
    const connection = app.host.getConnections().find((c) => c.remotePeer.toString() === peer)
    if (connection == null) throw new Error(`no connection to ${peer} after join`)
    // CPU time of this process per phase: steadier than wall time on a loaded machine
    let cpu = process.cpuUsage()
    const perfBefore = await perfDownload(connection, args.bytes, args.opTimeoutMs)
    const perfCpu = process.cpuUsage(cpu)
    const dest = join(dir, 'fetched')
    const start = performance.now()
    cpu = process.cpuUsage()
    await app.getFile(args.id!, dest, { signal: AbortSignal.timeout(args.opTimeoutMs) })
    const fileCpu = process.cpuUsage(cpu)
    const fileSeconds = (performance.now() - start) / 1000
    if ((await stat(dest)).size !== args.bytes) throw new Error('getFile wrote a file of another size')
    const perfAfter = await perfDownload(connection, args.bytes, args.opTimeoutMs)
    if (app.host.getConnections().length !== 1) throw new Error('the transfers did not share one connection')
    await reply({
      type: 'result',
      perfSeconds: (perfBefore + perfAfter) / 2,
      fileSeconds,
      perfCpuMs: (perfCpu.user + perfCpu.system) / 1000,
      fileCpuMs: (fileCpu.user + fileCpu.system) / 1000,
    })
  } finally {
    await app.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
