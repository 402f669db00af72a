/**
 * The fuzz harness. Every target is a function from untrusted bytes to a
 * value; the property is that it returns, or throws one of its package's typed
 * errors (a subclass of Error with its own `name`), and returns in bounded
 * time. A built-in TypeError/RangeError/Error from deep inside a parser means
 * an input the parser did not expect: that is what the harness reports.
 *
 * FUZZ_RUNS sets the runs per property (default 300, so the folder runs in
 * seconds); FUZZ_STATS names a file that receives one JSON line per property
 * with its executions and time (long-run.mjs prints them as a table).
 */
import { appendFileSync } from 'node:fs'
import fc from 'fast-check'
import { it } from 'vitest'
import { loadCorpus, toHex } from './corpus.js'
import { mutatedSeed } from './mutate.js'

/** a single decode slower than this counts as a hang (a few KiB must parse in far less) */
export const SLOW_DECODE_MS = 2000
/** arbitrary inputs reach a few KiB: past every fixed header, inside every length limit */
export const MAX_INPUT_BYTES = 4096

/** runs per property in the short run: the whole folder stays well under a minute on a CI runner */
const DEFAULT_RUNS = 300
export const FUZZ_RUNS = runsFromEnv(process.env.FUZZ_RUNS)

const BUILTIN_ERRORS: ReadonlySet<unknown> = new Set([
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
])
const BUILTIN_NAMES = new Set([...BUILTIN_ERRORS].map((type) => (type as { name: string }).name))

function runsFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_RUNS
  const runs = Number(value)
  if (!Number.isInteger(runs) || runs < 1)
    throw new RangeError(`FUZZ_RUNS must be a positive integer, got ${value}`)
  return runs
}

/** True for an error a caller can match on: not a built-in class, with a name of its own. */
export function isTypedError(err: unknown): boolean {
  return err instanceof Error && !BUILTIN_ERRORS.has(err.constructor) && !BUILTIN_NAMES.has(err.name)
}

/** The exception the property throws for an untyped error or a slow decode, with the input as hex. */
export class FuzzFinding extends Error {
  override name = 'FuzzFinding'
}

export type Decode = (bytes: Uint8Array) => unknown

export interface TargetOptions {
  /** the corpus file (without .txt) the mutations start from; defaults to the target name */
  corpus?: string
  /** the largest arbitrary input, in bytes */
  maxLength?: number
  /**
   * For a generated codec whose every call site wraps its errors in a typed
   * one: where it does so. Any Error is then accepted (hangs and non-Error
   * throws still fail).
   */
  callSiteWraps?: string
}

/**
 * Registers the two properties of one target: arbitrary bytes, and mutations
 * of the seeds in corpus/<target>.txt.
 */
export function fuzzTarget(target: string, decode: Decode, options: TargetOptions = {}): void {
  const seeds = loadCorpus(options.corpus ?? target)
  const maxLength = options.maxLength ?? MAX_INPUT_BYTES
  const strict = options.callSiteWraps === undefined
  fuzzInputs(`${target}: arbitrary bytes`, arbitraryBytes(maxLength), decode, strict)
  fuzzInputs(`${target}: mutated seeds`, mutatedSeed(seeds), decode, strict)
  // a shared corpus may hold seeds this variant refuses (another packet kind, another role)
  if (options.corpus === undefined || options.corpus === target) {
    it(`${target}: every seed decodes`, async () => {
      for (const seed of seeds) await decode(seed)
    })
  }
}

/**
 * Inputs up to `maxLength` bytes, half of them short. `size: 'max'` matters:
 * fast-check's default size keeps arrays to about ten elements whatever the
 * maxLength, which would never get past most headers.
 */
export function arbitraryBytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: Math.min(64, maxLength), size: 'max' }),
    fc.uint8Array({ maxLength, size: 'max' }),
  )
}

/** One property: every input of `inputs` decodes or throws a typed error, in bounded time. */
export function fuzzInputs(
  title: string,
  inputs: fc.Arbitrary<Uint8Array>,
  decode: Decode,
  strict = true,
): void {
  it(
    title,
    async () => {
      await measured(title, (count) =>
        fc.assert(
          fc.asyncProperty(inputs, async (bytes) => {
            count()
            await checkDecode(decode, bytes, strict)
          }),
          { numRuns: FUZZ_RUNS },
        ),
      )
    },
    timeoutFor(FUZZ_RUNS),
  )
}

/** decode(encode(x)) gives x back for every generated x. */
export function roundTrip<T>(
  title: string,
  values: fc.Arbitrary<T>,
  check: (value: T) => void | Promise<void>,
): void {
  it(
    `${title}: round trip`,
    async () => {
      await measured(`${title}: round trip`, (count) =>
        fc.assert(
          fc.asyncProperty(values, async (value) => {
            count()
            await check(value)
          }),
          { numRuns: FUZZ_RUNS },
        ),
      )
    },
    timeoutFor(FUZZ_RUNS),
  )
}

/** Decodes `bytes` once; throws a FuzzFinding for an untyped error (any non-Error when not `strict`) or a slow decode. */
export async function checkDecode(decode: Decode, bytes: Uint8Array, strict = true): Promise<void> {
  const started = performance.now()
  try {
    await decode(bytes)
  } catch (err) {
    if (strict ? !isTypedError(err) : !(err instanceof Error)) {
      const detail = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)
      throw new FuzzFinding(`untyped error on input ${toHex(bytes)}\n${detail}`)
    }
  }
  const elapsed = performance.now() - started
  if (elapsed > SLOW_DECODE_MS) {
    throw new FuzzFinding(`decode took ${Math.round(elapsed)} ms on input ${toHex(bytes)}`)
  }
}

// the short run stays well inside the default; a long run may take hours per property
function timeoutFor(runs: number): number {
  return Math.max(30_000, runs * 50)
}

/** Runs one property, counting executions (shrinking included); with FUZZ_STATS set, appends its figures there. */
async function measured(title: string, run: (count: () => void) => Promise<void>): Promise<void> {
  const started = performance.now()
  let executions = 0
  let passed = false
  try {
    await run(() => {
      executions++
    })
    passed = true
  } finally {
    const file = process.env.FUZZ_STATS
    if (file !== undefined && file !== '') {
      const ms = Math.round(performance.now() - started)
      appendFileSync(file, `${JSON.stringify({ title, runs: FUZZ_RUNS, executions, ms, passed })}\n`)
    }
  }
}
