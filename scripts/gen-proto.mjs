// Regenerates the protobuf codecs: every `src/**/<name>.proto` under packages/
// becomes `<name>.pb.ts` beside it, written by `protons` (the generated files
// are committed; Biome skips `*.pb.ts`).
//   node scripts/gen-proto.mjs [path/to/one.proto ...]
import { execFileSync } from 'node:child_process'
import { readdirSync, renameSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

function findProtos(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) findProtos(path, out)
    else if (name.endsWith('.proto')) out.push(path)
  }
  return out
}

const protos = process.argv.length > 2 ? process.argv.slice(2) : findProtos('packages')
for (const proto of protos) {
  const name = basename(proto, '.proto').replace(/\.pb$/, '')
  execFileSync(join('node_modules', '.bin', 'protons'), [proto], { stdio: 'inherit' })
  const written = join(dirname(proto), `${basename(proto, '.proto')}.ts`)
  const target = join(dirname(proto), `${name}.pb.ts`)
  if (written !== target) renameSync(written, target)
  console.log(`${proto} -> ${target}`)
}
