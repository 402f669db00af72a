/**
 * What the packaging tests read from the workspace: its packages and their
 * manifests, the example each README runs, and how to call pnpm and npm.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface Manifest {
  name: string
  version?: string
  description?: string
  license?: string
  private?: boolean
  type?: string
  main?: string
  types?: string
  exports?: Record<string, Record<string, string> | string>
  files?: string[]
  engines?: Record<string, string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

export interface WorkspacePackage {
  name: string
  /** short name: `@weft/peer-id` → `peer-id` */
  short: string
  dir: string
  manifest: Manifest
}

/** Every package under `packages/<role>/<name>`, sorted by name. */
export function workspacePackages(): WorkspacePackage[] {
  const found: WorkspacePackage[] = []
  const top = join(ROOT, 'packages')
  for (const role of readdirSync(top)) {
    for (const name of readdirSync(join(top, role))) {
      const dir = join(top, role, name)
      const file = join(dir, 'package.json')
      if (!existsSync(file)) continue
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest
      found.push({ name: manifest.name, short: manifest.name.replace(/^@weft\//, ''), dir, manifest })
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

/** `names` and every @weft package they depend on, directly or not. */
export function withWeftDependencies(names: string[], all = workspacePackages()): WorkspacePackage[] {
  const byName = new Map(all.map((pkg) => [pkg.name, pkg]))
  const wanted = new Set<string>()
  const visit = (name: string): void => {
    if (wanted.has(name)) return
    const pkg = byName.get(name)
    if (pkg == null) throw new Error(`no workspace package ${name}`)
    wanted.add(name)
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) if (dep.startsWith('@weft/')) visit(dep)
  }
  for (const name of names) visit(name)
  return all.filter((pkg) => wanted.has(pkg.name))
}

export interface CodeBlock {
  /** the last heading above the block */
  heading: string
  lang: string
  code: string
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  let heading = ''
  for (const match of markdown.matchAll(/^(#{1,6} .*)$|^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (match[1] != null) heading = match[1]
    else blocks.push({ heading, lang: match[2] ?? '', code: match[3] ?? '' })
  }
  return blocks
}

/**
 * The README's runnable example: the first `ts` block under a heading that
 * says "runnable", else under one that says "example", else the first `ts`
 * block.
 */
export function readmeExample(markdown: string): CodeBlock | undefined {
  const examples = codeBlocks(markdown).filter((block) => block.lang === 'ts')
  return (
    examples.find((block) => /runnable/i.test(block.heading)) ??
    examples.find((block) => /example/i.test(block.heading)) ??
    examples[0]
  )
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs a command to its end (or `timeout`); never rejects. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; timeout: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeout, env: options.env, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const failure = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null
        resolve({
          code: failure == null ? 0 : typeof failure.code === 'number' ? failure.code : null,
          signal: failure?.signal ?? null,
          stdout,
          stderr:
            failure != null && typeof failure.code === 'string' ? `${failure.message}\n${stderr}` : stderr,
        })
      },
    )
  })
}

/** A child's environment without the test runner's node flags (the polyfill among them). */
export function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}
