/**
 * The protocol tables of interop/RESULTS.md come from real runs: each test
 * runs its body through `ResultTable.cell`, which records ✅ or ❌ with a
 * short note (the time taken, or the first line of the error) and rethrows,
 * so a red cell is a red test. `afterAll` writes the table as JSON into the
 * interop cache (`<cache>/protocol-results/<table>.json`, beside the built
 * peers); `node interop/go-libp2p/render-results.mjs` renders every table
 * found there into RESULTS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
// @ts-expect-error plain ESM module without type declarations
import { CACHE } from '../../runner/peers.mjs'

export const RESULTS_DIR: string = join(CACHE as string, 'protocol-results')

export interface Cell {
  row: string
  column: string
  ok: boolean
  note: string
}

export class ResultTable {
  private readonly cells: Cell[] = []

  /**
   * @param table the file name and the section title (e.g. `kad-dht`)
   * @param caption one paragraph under the title: what was run
   */
  constructor(
    readonly table: string,
    readonly caption: string,
  ) {}

  /** Runs `body`, records its outcome as the cell (`row`, `column`) and returns or rethrows. */
  async cell<T>(
    row: string,
    column: string,
    body: () => Promise<T>,
    note?: (value: T) => string,
  ): Promise<T> {
    const start = performance.now()
    try {
      const value = await body()
      const ms = Math.round(performance.now() - start)
      this.cells.push({ row, column, ok: true, note: note?.(value) ?? `${ms} ms` })
      return value
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      this.cells.push({ row, column, ok: false, note: shorten(message) })
      throw err
    }
  }

  /** Writes the table; call from `afterAll`. Nothing is written when no cell ran. */
  write(): void {
    if (this.cells.length === 0) return
    mkdirSync(RESULTS_DIR, { recursive: true })
    const at = new Date().toISOString()
    const content = { table: this.table, caption: this.caption, at, cells: this.cells }
    writeFileSync(join(RESULTS_DIR, `${this.table}.json`), `${JSON.stringify(content, null, 2)}\n`)
  }
}

function shorten(message: string): string {
  const line = (message.split('\n')[0] ?? '').replaceAll('|', '/').trim()
  return line.length > 160 ? `${line.slice(0, 157)}...` : line
}
