// Renders the protocol tables recorded by the interop/go-libp2p tests (see
// test/results.ts) into interop/RESULTS.md, between the markers below:
// replaced when they are there, appended otherwise, so the matrix above them
// stays as the runner wrote it.
//
//   npx vitest run --project interop interop/go-libp2p   # records the tables
//   node interop/go-libp2p/render-results.mjs             # writes them into RESULTS.md
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CACHE, exec, ROOT } from '../runner/peers.mjs'

export const BEGIN = '<!-- protocol tables: begin (interop/go-libp2p/render-results.mjs) -->'
export const END = '<!-- protocol tables: end -->'
const TABLES = ['kad-dht', 'gossipsub', 'circuit-relay', 'dcutr']
const RESULTS_DIR = join(CACHE, 'protocol-results')
const GO_MOD = join(ROOT, 'interop', 'go-peer', 'go.mod')
const MODULES = [
  'github.com/libp2p/go-libp2p',
  'github.com/libp2p/go-libp2p-kad-dht',
  'github.com/libp2p/go-libp2p-pubsub',
]

/** One table as markdown: rows in first-seen order, one column per stack. */
export function renderTable({ table, caption, at, cells }) {
  const rows = [...new Set(cells.map((cell) => cell.row))]
  const columns = [...new Set(cells.map((cell) => cell.column))]
  const lines = [`### ${table}`, '', `${caption} Run ${at.slice(0, 10)}.`, '']
  lines.push(`| case | ${columns.join(' | ')} |`, `| --- | ${columns.map(() => '---').join(' | ')} |`)
  for (const row of rows) {
    const values = columns.map((column) => {
      const cell = cells.find((c) => c.row === row && c.column === column)
      return cell == null ? '—' : `${cell.ok ? '✅' : '❌'} ${cell.note}`
    })
    lines.push(`| ${row} | ${values.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** The whole section, markers included; `tables` are the parsed JSON files found. */
export function renderSection(tables, versions) {
  const parts = [
    BEGIN,
    '## Protocols with go-libp2p',
    '',
    'weft hosts in-process and go-libp2p hosts (`go-peer agent`, driven over JSON lines) on TCP loopback; ' +
      `tests in interop/go-libp2p. Versions: ${versions}.`,
  ]
  for (const table of tables) parts.push('', renderTable(table))
  if (tables.length === 0) parts.push('', 'No recorded run: run the interop/go-libp2p tests first.')
  parts.push(END)
  return parts.join('\n')
}

/** `markdown` with the section replaced, or appended when it has none. */
export function withSection(markdown, section) {
  const begin = markdown.indexOf(BEGIN)
  const end = markdown.indexOf(END)
  if (begin >= 0 && end > begin) {
    return `${markdown.slice(0, begin)}${section}${markdown.slice(end + END.length)}`
  }
  return `${markdown.trimEnd()}\n\n${section}\n`
}

function goVersions() {
  const goMod = existsSync(GO_MOD) ? readFileSync(GO_MOD, 'utf8') : ''
  return MODULES.map((module) => {
    const match = goMod.match(new RegExp(`^\\s*${module.replaceAll('.', '\\.')}\\s+(\\S+)`, 'm'))
    return `${module.replace('github.com/libp2p/', '')} ${match?.[1] ?? 'unknown'}`
  }).join(', ')
}

async function main() {
  const tables = TABLES.map((name) => join(RESULTS_DIR, `${name}.json`))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')))
  const out = join(ROOT, 'interop', 'RESULTS.md')
  writeFileSync(out, withSection(readFileSync(out, 'utf8'), renderSection(tables, goVersions())))
  // RESULTS.md is in the repository, which `pnpm lint` checks: Biome's layout, as the runner gives it
  await exec(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', out])
  console.log(`wrote ${tables.length} protocol table(s) into ${out}`)
}

if (process.argv[1] != null && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main()
