/**
 * A libtorrent DHT node (python3-libtorrent) driven through
 * libtorrent-peer.py: JSON lines on stdin/stdout, loopback only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { LoopbackAddress } from './peers.js'

const DRIVER = fileURLToPath(new URL('./libtorrent-peer.py', import.meta.url))

/** The first Python that can import libtorrent (pyenv's python3 may not see Debian's package), or undefined. */
export function findLibtorrentPython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import libtorrent'], { stdio: 'ignore', timeout: 10_000 })
    if (probe.status === 0) return python
  }
  return undefined
}

type Reply = { ok: boolean; error?: string } & Record<string, unknown>

export class LibtorrentNode {
  private readonly waiting: Array<(reply: Reply) => void> = []

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    /** libtorrent's version, as its bindings report it (e.g. 2.0.8.0). */
    readonly version: string,
  ) {}

  static async start(python: string, bootstrap: LoopbackAddress[]): Promise<LibtorrentNode> {
    const child = spawn(python, [DRIVER, ...bootstrap.map((node) => `${node.host}:${node.port}`)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const first = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('libtorrent driver did not start in 15 s')), 15_000)
      lines.once('line', (line) => {
        clearTimeout(timer)
        resolve(JSON.parse(line) as Reply)
      })
      child.once('exit', (code) => reject(new Error(`libtorrent driver exited with ${code}`)))
    })
    const node = new LibtorrentNode(child, first.port as number, String(first.version))
    lines.on('line', (line) => node.waiting.shift()?.(JSON.parse(line) as Reply))
    return node
  }

  get address(): LoopbackAddress {
    return { host: '127.0.0.1', port: this.port }
  }

  async command(command: Record<string, unknown>, ms = 20_000): Promise<Reply> {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`libtorrent driver: no reply to ${String(command.cmd)}`)),
        ms,
      )
      this.waiting.push((value) => {
        clearTimeout(timer)
        resolve(value)
      })
      this.child.stdin?.write(`${JSON.stringify(command)}\n`)
    })
    if (!reply.ok) throw new Error(`libtorrent driver: ${reply.error}`)
    return reply
  }

  /** Adds a torrent for `infohash`, which libtorrent then announces with its own listen port. */
  async announce(infohash: Uint8Array): Promise<void> {
    await this.command({ cmd: 'announce', infohash: Buffer.from(infohash).toString('hex') })
  }

  async getPeers(infohash: Uint8Array, seconds = 10): Promise<LoopbackAddress[]> {
    const reply = await this.command({
      cmd: 'get_peers',
      infohash: Buffer.from(infohash).toString('hex'),
      timeout: seconds,
    })
    return reply.peers as LoopbackAddress[]
  }

  /** BEP44: puts a byte-string item; resolves with its target and the nodes that stored it. */
  async putImmutable(value: Uint8Array): Promise<{ target: string; stored: number }> {
    const reply = await this.command(
      { cmd: 'put_immutable', value: Buffer.from(value).toString('hex') },
      30_000,
    )
    return { target: reply.target as string, stored: reply.stored as number }
  }

  async getImmutable(target: Uint8Array, seconds = 10): Promise<Uint8Array | undefined> {
    const reply = await this.command({
      cmd: 'get_immutable',
      target: Buffer.from(target).toString('hex'),
      timeout: seconds,
    })
    return typeof reply.value === 'string' ? new Uint8Array(Buffer.from(reply.value, 'hex')) : undefined
  }

  /** BEP44: libtorrent signs with the key of `seed` and picks seq (one above the item it finds). */
  async putMutable(
    seed: Uint8Array,
    publicKey: Uint8Array,
    value: Uint8Array,
    salt: Uint8Array,
  ): Promise<{ stored: number; seq: number }> {
    const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
    const reply = await this.command(
      { cmd: 'put_mutable', seed: hex(seed), public: hex(publicKey), value: hex(value), salt: hex(salt) },
      30_000,
    )
    return { stored: reply.stored as number, seq: reply.seq as number }
  }

  async getMutable(
    publicKey: Uint8Array,
    salt: Uint8Array,
    seconds = 10,
  ): Promise<{ value?: Uint8Array; seq?: number }> {
    const reply = await this.command({
      cmd: 'get_mutable',
      public: Buffer.from(publicKey).toString('hex'),
      salt: Buffer.from(salt).toString('hex'),
      timeout: seconds,
    })
    return {
      value: typeof reply.value === 'string' ? new Uint8Array(Buffer.from(reply.value, 'hex')) : undefined,
      seq: typeof reply.seq === 'number' ? reply.seq : undefined,
    }
  }

  /** BEP51: libtorrent asks `node` for sample_infohashes. */
  async sample(
    node: LoopbackAddress,
    target: Uint8Array,
  ): Promise<{ samples: string[]; num: number | null }> {
    const reply = await this.command({
      cmd: 'sample',
      host: node.host,
      port: node.port,
      target: Buffer.from(target).toString('hex'),
    })
    return { samples: reply.samples as string[], num: reply.num as number | null }
  }

  async routingTableSize(): Promise<number> {
    return (await this.command({ cmd: 'nodes' })).nodes as number
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.stdin?.end(`${JSON.stringify({ cmd: 'quit' })}\n`)
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}
