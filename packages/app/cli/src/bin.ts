#!/usr/bin/env node
/** The `weft` executable. */
import { main } from './cli.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`weft: ${String(err)}\n`)
    process.exitCode = 1
  },
)
