#!/usr/bin/env node
/**
 * Packs every publishable package under `packages/` into one folder, as npm
 * would publish it: `pnpm pack` turns each `workspace:^` dependency into a
 * real range (`^0.1.0`), so the tarballs install with plain npm in a project
 * outside this repository. Packs the built `dist/`: run `tsc -b` first (the
 * root script `pnpm run pack` does).
 *
 * usage: node scripts/pack.mjs [out dir]   (default: dist/tarballs)
 * Prints the tarballs, then an `npm install` line for a first program.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const out = resolve(process.argv[2] ?? join(ROOT, 'dist', 'tarballs'))
/** what the README's first program imports; the install line adds the @weft packages they need */
const FIRST_PROGRAM = [
  '@weft/host',
  '@weft/tcp',
  '@weft/noise',
  '@weft/yamux',
  '@weft/identify',
  '@weft/ping',
]

function fail(message) {
  console.error(`pack: ${message}`)
  process.exit(1)
}

/** Every non-private package at `packages/<role>/<name>`, sorted by name. */
function publishablePackages() {
  const found = []
  const top = join(ROOT, 'packages')
  for (const role of readdirSync(top)) {
    for (const name of readdirSync(join(top, role))) {
      const dir = join(top, role, name)
      const file = join(dir, 'package.json')
      if (!existsSync(file)) continue
      const manifest = JSON.parse(readFileSync(file, 'utf8'))
      if (manifest.private === true) continue
      found.push({
        dir,
        manifest,
        tarball: `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`,
      })
    }
  }
  return found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))
}

/** pnpm as the workspace pins it: the one running this script, else from PATH, else through npx. */
function pnpmCommand() {
  const running = process.env.npm_execpath
  if (running != null && /pnpm(\.c?js)?$/.test(running)) {
    return /\.c?js$/.test(running) ? [process.execPath, [running]] : [running, []]
  }
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, 'pnpm')))
  if (onPath) return ['pnpm', []]
  const { packageManager } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  return ['npx', ['--yes', packageManager ?? 'pnpm']]
}

/** `names` and every @weft package they depend on, directly or not. */
function withWeftDependencies(names, packages) {
  const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg]))
  const wanted = new Set()
  const visit = (name) => {
    const pkg = byName.get(name)
    if (pkg == null || wanted.has(pkg)) return
    wanted.add(pkg)
    for (const dependency of Object.keys(pkg.manifest.dependencies ?? {})) visit(dependency)
  }
  for (const name of names) visit(name)
  return packages.filter((pkg) => wanted.has(pkg))
}

const packages = publishablePackages()
const unbuilt = packages.filter((pkg) => {
  const entry = pkg.manifest.exports?.['.']?.import ?? pkg.manifest.main
  return entry == null || !existsSync(join(pkg.dir, entry))
})
if (unbuilt.length > 0) {
  fail(`not built: ${unbuilt.map((pkg) => pkg.manifest.name).join(', ')}; run \`tsc -b\` first`)
}

mkdirSync(out, { recursive: true })
const [pnpm, pnpmArgs] = pnpmCommand()
const filters = packages.flatMap((pkg) => ['--filter', pkg.manifest.name])
const packing = spawnSync(pnpm, [...pnpmArgs, ...filters, 'pack', '--pack-destination', out], {
  cwd: ROOT,
  encoding: 'utf8',
  timeout: 300_000,
})
if (packing.error != null) fail(`could not run ${pnpm}: ${packing.error.message}`)
if (packing.status !== 0)
  fail(`pnpm pack exited with ${packing.status}:\n${packing.stdout}\n${packing.stderr}`)

// what npm will read: every dependency a real range, none left pointing into the workspace
const problems = []
for (const pkg of packages) {
  const tarball = join(out, pkg.tarball)
  if (!existsSync(tarball)) {
    problems.push(`${pkg.tarball} is missing`)
    continue
  }
  const extracted = spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })
  if (extracted.status !== 0) {
    problems.push(`${pkg.tarball}: cannot read its package.json: ${extracted.stderr.trim()}`)
    continue
  }
  const manifest = JSON.parse(extracted.stdout)
  for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (/^(workspace|link|file):/.test(range)) problems.push(`${pkg.tarball}: ${name}@${range}`)
  }
}
if (problems.length > 0) fail(`the tarballs are not installable:\n  ${problems.join('\n  ')}`)

console.log(`${packages.length} tarballs in ${out}:`)
for (const pkg of packages) console.log(`  ${pkg.tarball}`)
const first = withWeftDependencies(FIRST_PROGRAM, packages)
console.log("\nIn a project of your own, the README's first program needs these (npm fetches the rest):")
console.log(`  npm install ${first.map((pkg) => join(out, pkg.tarball)).join(' ')}`)
