/**
 * `node benchmarks/dist/src/profile-summary.js <file.cpuprofile> [top]`:
 * where a V8 CPU profile (`--cpu-prof`, or `pnpm bench --cpu-prof DIR`)
 * spends its time: self time per package and per function.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** The package a script belongs to: a weft package folder, an npm package, or node's own code. */
export function packageOf(url: string): string {
  if (url === '') return '(native / gc / idle)'
  if (url.startsWith('node:')) return 'node core'
  const weft = /\/(packages\/[^/]+\/[^/]+|benchmarks)\//.exec(url)
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url)
  if (npm != null) return npm[1]!
  if (weft != null) return weft[1]!
  return url
}

export interface ProfileSummary {
  totalMs: number
  byPackage: Array<[string, number]>
  byFunction: Array<[string, number]>
}

export function summarizeProfile(profile: Profile): ProfileSummary {
  const selfTime = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  for (const node of profile.nodes) {
    const micros = selfTime.get(node.id) ?? 0
    if (micros === 0) continue
    total += micros
    const frame = node.callFrame
    const pkg = packageOf(frame.url)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
    const file = frame.url.split('/').slice(-1)[0] ?? ''
    const name = `${frame.functionName || '(anonymous)'} ${pkg === frame.url ? '' : `${pkg} `}${file}:${frame.lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  }
  const sorted = (map: Map<string, number>) =>
    [...map.entries()]
      .map(([key, micros]) => [key, micros / 1000] as [string, number])
      .sort((a, b) => b[1] - a[1])
  return { totalMs: total / 1000, byPackage: sorted(byPackage), byFunction: sorted(byFunction) }
}

function main(): void {
  const [file, topArg] = process.argv.slice(2)
  if (file == null) {
    process.stderr.write('usage: profile-summary <file.cpuprofile> [top]\n')
    process.exit(2)
  }
  const top = Number(topArg ?? 25)
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile)
  const pct = (ms: number) => `${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%`
  const lines = [`${file}: ${summary.totalMs.toFixed(0)} ms sampled`, '', 'self time by package:']
  for (const [name, ms] of summary.byPackage.slice(0, top))
    lines.push(`  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`)
  lines.push('', 'self time by function:')
  for (const [name, ms] of summary.byFunction.slice(0, top))
    lines.push(`  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

if (process.argv[1] != null && import.meta.url.endsWith(process.argv[1].split('/').slice(-1)[0]!)) main()
