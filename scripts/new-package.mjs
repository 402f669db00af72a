// Creates the skeleton of a workspace package: node scripts/new-package.mjs <folder> <name> "<description>" [dep ...]
// Dependencies named @weft/* become workspace links and tsconfig project references.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const [folder, name, description, ...deps] = process.argv.slice(2)
if (folder == null || name == null || description == null) {
  console.error('usage: new-package.mjs <folder> <name> "<description>" [dep ...]')
  process.exit(1)
}
const root = process.cwd()
const dir = join(root, folder)
mkdirSync(join(dir, 'src'), { recursive: true })
mkdirSync(join(dir, 'test'), { recursive: true })

const versions = {
  '@libp2p/interface': '^3.3.0',
  '@multiformats/multiaddr': '^13.0.3',
  multiformats: '^14.0.5',
  uint8arraylist: '^3.0.2',
  'protons-runtime': '^7.0.0',
  '@noble/curves': '^2.0.0',
  '@noble/hashes': '^2.0.0',
  '@noble/ciphers': '^2.0.0',
  ws: '^8.18.0',
}

function findPackageDir(pkgName) {
  for (const group of readdirSync(join(root, 'packages'))) {
    for (const p of readdirSync(join(root, 'packages', group))) {
      const file = join(root, 'packages', group, p, 'package.json')
      if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === pkgName)
        return join(root, 'packages', group, p)
    }
  }
  throw new Error(`no workspace package ${pkgName}`)
}

const dependencies = {}
const references = []
for (const dep of deps) {
  if (dep.startsWith('@weft/')) {
    dependencies[dep] = 'workspace:^'
    references.push({ path: relative(dir, findPackageDir(dep)) })
  } else {
    dependencies[dep] = versions[dep] ?? 'latest'
  }
}

const short = name.replace('@weft/', '')
const pkg = {
  name,
  version: '0.1.0',
  description,
  license: 'MIT OR Apache-2.0',
  type: 'module',
  main: './dist/src/index.js',
  types: './dist/src/index.d.ts',
  exports: {
    '.': {
      'weft-source': './src/index.ts',
      types: './dist/src/index.d.ts',
      import: './dist/src/index.js',
    },
  },
  files: ['dist/src/**/!(*.test).*', 'src/**/!(*.test).*'],
  engines: { node: '>=20.19.0' },
  repository: { type: 'git', url: 'https://example.invalid/weft.git', directory: folder },
  keywords: ['weft', 'libp2p', short],
  scripts: { build: 'tsc -b', test: 'vitest run --root ../../.. ' + folder },
  dependencies,
}
if (!existsSync(join(dir, 'package.json')))
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
const tsconfig = {
  extends: relative(dir, join(root, 'tsconfig.base.json')),
  compilerOptions: { rootDir: '.', outDir: 'dist' },
  include: ['src', 'test'],
  references,
}
if (!existsSync(join(dir, 'tsconfig.json')))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2) + '\n')
if (!existsSync(join(dir, 'src/index.ts')))
  writeFileSync(join(dir, 'src/index.ts'), `/**\n * ${name}: ${description}\n */\nexport {}\n`)
if (!existsSync(join(dir, 'README.md')))
  writeFileSync(join(dir, 'README.md'), `# ${name}\n\n${description}\n`)
console.log('created', folder)
