/**
 * Every package under packages/ is ready to publish: a version, a licence
 * (field and LICENSE file), `exports` with types, `files` that leave tests
 * out, its @weft dependencies as `workspace:^` (pnpm pack turns them into
 * versions), every package its sources import declared, and a README with an
 * example that uses the package. (pack.test.ts runs those examples from the
 * tarballs.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, readmeExample, workspacePackages } from './workspace.js'

const packages = workspacePackages()

/** Source files that ship (tests excluded). */
function shippedSources(dir: string): string[] {
  const out: string[] = []
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.ts$/.test(entry) && !/\.test\.ts$/.test(entry)) out.push(path)
    }
  }
  walk(join(dir, 'src'))
  return out
}

/** The npm package named by each bare import specifier in `source` (comments, with their examples, aside). */
function importedPackages(source: string): Set<string> {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1')
  const names = new Set<string>()
  for (const match of code.matchAll(/(?:(?:^|[\s}])from\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const specifier = match[1]!
    if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) continue
    const parts = specifier.split('/')
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!)
  }
  return names
}

describe.each(packages.map((pkg) => [pkg.name, pkg] as const))('%s', (_, pkg) => {
  const { manifest, dir } = pkg

  it('has a name matching its folder, a version, a description and a licence', () => {
    expect(manifest.name).toBe(`@weft/${basename(dir)}`)
    expect(manifest.private).not.toBe(true)
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/)
    expect(manifest.description?.length ?? 0).toBeGreaterThan(10)
    expect(manifest.license).toBe('MIT OR Apache-2.0')
    expect(manifest.type).toBe('module')
    expect(manifest.engines?.node).toBeDefined()
  })

  it('ships a LICENSE file with both licences', () => {
    // npm and pnpm pack a LICENSE file whatever `files` says
    const file = join(dir, 'LICENSE')
    expect(existsSync(file), `no LICENSE: cp packages/core/utils/LICENSE ${dir.slice(ROOT.length)}/`).toBe(
      true,
    )
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('Apache License')
    expect(text).toContain('MIT License')
  })

  it('exports its entry point with types, from the built output it ships', () => {
    const entry = manifest.exports?.['.']
    expect(entry).toBeTypeOf('object')
    const conditions = entry as Record<string, string>
    expect(conditions.types).toBe('./dist/src/index.d.ts')
    expect(conditions.import).toBe('./dist/src/index.js')
    // types must come before import: conditions are matched in order
    const order = Object.keys(conditions)
    expect(order.indexOf('types')).toBeLessThan(order.indexOf('import'))
    expect(manifest.main).toBe('./dist/src/index.js')
    expect(manifest.types).toBe('./dist/src/index.d.ts')
    // pnpm pack ignores negated `files` entries ("!**/*.test.*"): leave tests out with extglobs
    expect(manifest.files).toEqual(['dist/src/**/!(*.test).*', 'src/**/!(*.test).*'])
  })

  it('declares every package its sources import', () => {
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ])
    const missing = new Set<string>()
    for (const file of shippedSources(dir)) {
      for (const name of importedPackages(readFileSync(file, 'utf8'))) {
        if (name !== manifest.name && !declared.has(name))
          missing.add(`${name} (${file.slice(dir.length + 1)})`)
      }
    }
    expect([...missing]).toEqual([])
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (name.startsWith('@weft/')) expect(range, name).toBe('workspace:^')
    }
  })

  it('has a README with an example that uses the package', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8')
    expect(readme.startsWith(`# ${manifest.name}`)).toBe(true)
    const example = readmeExample(readme)
    expect(example, 'no ```ts example in README.md').toBeDefined()
    expect(example!.code).toMatch(new RegExp(`from '${manifest.name}'`))
  })
})
