// Writes the root tsconfig.json so that `tsc -b` builds every workspace package.
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const references = []
if (existsSync('benchmarks/tsconfig.json')) references.push({ path: './benchmarks' })
for (const top of ['packages', 'interop', 'examples', 'tests']) {
  if (!existsSync(top)) continue
  const groups = top === 'packages' ? readdirSync(top).map((g) => join(top, g)) : [top]
  for (const group of groups) {
    for (const name of readdirSync(group)) {
      if (existsSync(join(group, name, 'tsconfig.json'))) references.push({ path: `./${group}/${name}` })
    }
  }
}
writeFileSync('tsconfig.json', JSON.stringify({ files: [], references }, null, 2) + '\n')
console.log(`tsconfig.json references ${references.length} projects`)
