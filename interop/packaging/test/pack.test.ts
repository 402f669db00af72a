/**
 * The packages as users get them (issue 4, point 3): `scripts/pack.mjs` (the
 * README's `pnpm run pack`) packs every package; host, tcp, noise, yamux,
 * identify, ping (plus memory, mplex and kad-dht) and the @weft packages they
 * depend on are installed with npm from those tarballs into an empty project in the
 * system's temporary folder, outside the workspace (third-party dependencies
 * come from the npm registry); then, with plain `node` in that project:
 *
 * - a program composes a host from the installed packages and pings a host
 *   of the workspace, which identifies it;
 * - the README example of every packed package runs;
 * - the README examples type-check against the published declarations.
 */
import { spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { IdentifyResult } from '@libp2p/interface'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Manifest,
  plainEnv,
  ROOT,
  readmeExample,
  run,
  type WorkspacePackage,
  withWeftDependencies,
} from './workspace.js'

const WANTED = ['@weft/host', '@weft/tcp', '@weft/noise', '@weft/yamux', '@weft/identify', '@weft/ping']
/** packed too, so that their README examples run from tarballs as well */
const ALSO = ['@weft/memory', '@weft/mplex', '@weft/kad-dht']

const packed = withWeftDependencies([...WANTED, ...ALSO])

/** Files of a tarball, without the leading `package/`. */
async function tarballFiles(tarball: string): Promise<string[]> {
  const listed = await run('tar', ['-tzf', tarball], { cwd: ROOT, timeout: 10_000 })
  expect(listed.code, listed.stderr).toBe(0)
  return listed.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''))
}

async function tarballManifest(tarball: string): Promise<Manifest> {
  const extracted = await run('tar', ['-xzOf', tarball, 'package/package.json'], {
    cwd: ROOT,
    timeout: 10_000,
  })
  expect(extracted.code, extracted.stderr).toBe(0)
  return JSON.parse(extracted.stdout) as Manifest
}

/** The range the workspace's packages ask for `name`. */
function rangeOf(name: string): string {
  for (const pkg of packed) {
    const range = pkg.manifest.dependencies?.[name]
    if (range != null) return range
  }
  throw new Error(`no packed package depends on ${name}`)
}

function tarballName(pkg: WorkspacePackage): string {
  return `weft-${pkg.short}-${pkg.manifest.version}.tgz`
}

describe('the packed packages, installed outside the workspace', () => {
  let project: string
  let tarballs: string
  let packOutput = ''

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'weft-packaging-'))
    tarballs = join(project, 'tarballs')
    await mkdir(tarballs)
    // the command the README documents (`pnpm run pack` runs it after `tsc -b`)
    const packing = await run(process.execPath, [join(ROOT, 'scripts', 'pack.mjs'), tarballs], {
      cwd: ROOT,
      timeout: 120_000,
    })
    expect(packing.code, `scripts/pack.mjs failed:\n${packing.stdout}\n${packing.stderr}`).toBe(0)
    packOutput = packing.stdout

    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'weft-packaging-consumer', private: true, type: 'module' }, null, 2)}\n`,
    )
    const installing = await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...packed.map((pkg) => join(tarballs, tarballName(pkg))),
        // what the examples import besides weft; also dependencies of weft's packages
        `@libp2p/interface@${rangeOf('@libp2p/interface')}`,
        `@multiformats/multiaddr@${rangeOf('@multiformats/multiaddr')}`,
      ],
      { cwd: project, timeout: 90_000, env: plainEnv() },
    )
    expect(installing.code, `npm install failed:\n${installing.stderr}`).toBe(0)

    await copyFile(new URL('../fixtures/consumer.mjs', import.meta.url), join(project, 'consumer.mjs'))
    await copyFile(new URL('../fixtures/dht-lookup.mjs', import.meta.url), join(project, 'dht-lookup.mjs'))
    await writeFile(
      join(project, 'chat.mjs'),
      rootReadmeChat(await readFile(join(ROOT, 'README.md'), 'utf8')),
    )
    for (const pkg of packed) {
      const example = readmeExample(await readFile(join(pkg.dir, 'README.md'), 'utf8'))
      if (example == null) continue
      await writeFile(join(project, `readme-${pkg.short}.ts`), example.code)
      const js = ts.transpileModule(example.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText
      await writeFile(join(project, `readme-${pkg.short}.mjs`), js)
    }
  }, 170_000)

  afterAll(async () => {
    if (project != null) await rm(project, { recursive: true, force: true })
  })

  it('packs each package with registry versions instead of workspace links, a LICENSE and no tests', async () => {
    // scripts/pack.mjs packs every publishable package; the ones installed here are among them
    const made = await readdir(tarballs)
    expect(made).toEqual(expect.arrayContaining(packed.map(tarballName)))
    expect(packOutput).toContain(`${made.length} tarballs in ${tarballs}`)
    // and it prints the install line of the README's first program, every path a tarball it made
    const install = packOutput.split('\n').find((line) => line.trim().startsWith('npm install '))
    expect(install, packOutput).toBeDefined()
    for (const path of install!.trim().split(/\s+/).slice(2))
      expect(made).toContain(path.slice(tarballs.length + 1))
    const problems: string[] = []
    for (const pkg of packed) {
      const tarball = join(tarballs, tarballName(pkg))
      const manifest = await tarballManifest(tarball)
      if (manifest.name !== pkg.name) problems.push(`${tarballName(pkg)} holds ${manifest.name}`)
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        const dependency = packed.find((candidate) => candidate.name === name)
        if (
          range.startsWith('workspace:') ||
          (dependency != null && range !== `^${dependency.manifest.version}`)
        ) {
          problems.push(`${pkg.name} depends on ${name}@${range}`)
        }
      }
      const files = await tarballFiles(tarball)
      const entry = manifest.exports?.['.'] as Record<string, string>
      for (const wanted of [
        'package.json',
        'README.md',
        'LICENSE',
        entry.types,
        entry.import,
        manifest.main,
      ]) {
        const path = String(wanted).replace(/^\.\//, '')
        if (!files.includes(path)) problems.push(`${pkg.name} lacks ${path}`)
      }
      const tests = files.filter((file) => /\.test\.|\.tsbuildinfo$|^test\/|^dist\/test\//.test(file))
      if (tests.length > 0) problems.push(`${pkg.name} ships ${tests.length} test files, e.g. ${tests[0]}`)
    }
    expect(problems).toEqual([])
  })

  it('composes a host from the tarballs with plain node, and it pings a host of the workspace', async () => {
    const listener = await createHost({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping() },
    })
    const identified: IdentifyResult[] = []
    listener.addEventListener('peer:identify', (evt) => identified.push(evt.detail))
    try {
      const target = listener.getMultiaddrs()[0]!.toString()
      const result = await run(process.execPath, ['consumer.mjs', target], {
        cwd: project,
        timeout: 30_000,
        env: plainEnv(),
      })
      expect(result.code, result.stderr).toBe(0)
      const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
        peerId: string
        rtts: number[]
        resolved: Record<string, string>
      }
      expect(report.rtts).toHaveLength(3)
      for (const rtt of report.rtts) expect(rtt).toBeGreaterThanOrEqual(0)
      // every module came from the project's node_modules, none from the workspace
      const installed = pathToFileURL(join(project, 'node_modules')).href
      for (const [name, url] of Object.entries(report.resolved)) {
        expect(url.startsWith(`${installed}/${name}/dist/src/`), `${name} resolved to ${url}`).toBe(true)
      }
      // the workspace host identified the consumer
      const seen = identified.find((result) => result.peerId.toString() === report.peerId)
      expect(seen?.agentVersion).toBe('weft-packaging-consumer/1.0.0')
      expect(seen?.protocols).toContain('/ipfs/ping/1.0.0')
    } finally {
      await listener.stop()
    }
  })

  it("runs the root README's chat between two processes: each prints the other's line and exits", async () => {
    const listener = spawnChat(project, [])
    try {
      const command = await listener.line(/^node chat\.mjs (\/\S+)$/)
      const address = command.split(' ').pop()!
      const dialer = spawnChat(project, [address])
      dialer.write('hello from the dialer\n')
      await dialer.line(/^connected, round trip/)
      await listener.line(/^> hello from the dialer$/)
      listener.write('hi from the listener\n')
      await dialer.line(/^> hi from the listener$/)
      dialer.end()
      listener.end()
      expect(await dialer.exited).toBe(0)
      expect(await listener.exited).toBe(0)
    } finally {
      listener.kill()
    }
  })

  it('runs a DHT lookup from the tarballs, and a DHT without identify fails at start with a named error', async () => {
    const result = await run(process.execPath, ['dht-lookup.mjs'], {
      cwd: project,
      timeout: 30_000,
      env: plainEnv(),
    })
    expect(result.code, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      found: string[]
      expected: string[]
      missing: { name: string; message: string } | null
    }
    // c's address (getMultiaddrs() appends /p2p/<c>; the DHT may or may not)
    const bare = (address: string): string => address.replace(/\/p2p\/[^/]+$/, '')
    expect(report.found.length).toBeGreaterThan(0)
    expect(report.expected.map(bare)).toEqual(expect.arrayContaining(report.found.map(bare)))
    expect(report.missing?.name).toBe('UnmetServiceDependenciesError')
    expect(report.missing?.message).toMatch(/"@libp2p\/identify".*add identify\(\) from @weft\/identify/)
  })

  it.each(packed.map((pkg) => [pkg.name, pkg] as const))(
    'runs the README example of %s with plain node, and it exits by itself',
    async (_, pkg) => {
      const result = await run(process.execPath, [`readme-${pkg.short}.mjs`], {
        cwd: project,
        timeout: 30_000,
        env: plainEnv(),
      })
      expect(result.signal, `did not exit within 30 s:\n${result.stdout}\n${result.stderr}`).toBeNull()
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
    },
  )

  it('type-checks the README examples against the published declarations', async () => {
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        include: ['readme-*.ts'],
      }),
    )
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: project,
      timeout: 60_000,
    })
    expect(result.stdout + result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})

/** The `chat.mjs` block of the root README's "Use weft in your project". */
function rootReadmeChat(readme: string): string {
  const section = readme.slice(readme.indexOf('## Use weft in your project'))
  const match = /```js\n(\/\/ chat\.mjs[\s\S]*?)```/.exec(section)
  if (match == null) throw new Error("the root README has no chat.mjs block under 'Use weft in your project'")
  return match[1]!
}

interface ChatProcess {
  /** resolves with the first stdout line matching `pattern` (waiting up to 20 s) */
  line(pattern: RegExp): Promise<string>
  write(text: string): void
  end(): void
  kill(): void
  exited: Promise<number | null>
}

function spawnChat(cwd: string, args: string[]): ChatProcess {
  const child = spawn(process.execPath, ['chat.mjs', ...args], { cwd, env: plainEnv(), stdio: 'pipe' })
  const lines: string[] = []
  let pending = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const parts = pending.split('\n')
    pending = parts.pop() ?? ''
    lines.push(...parts)
    for (const wake of waiters) wake()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 16_384) stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  void exited.then(() => clearTimeout(timer))
  return {
    line: async (pattern) =>
      new Promise<string>((resolve, reject) => {
        const deadline = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no line matching ${pattern} in 20 s; saw ${JSON.stringify(lines)}\n${stderr}`))
        }, 20_000)
        const check = (): void => {
          const found = lines.find((line) => pattern.test(line))
          if (found == null) return
          clearTimeout(deadline)
          waiters.delete(check)
          resolve(found)
        }
        waiters.add(check)
        check()
      }),
    write: (text) => child.stdin.write(text),
    end: () => child.stdin.end(),
    kill: () => child.kill('SIGKILL'),
    exited,
  }
}
