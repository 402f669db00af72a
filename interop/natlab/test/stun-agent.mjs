// weft's NAT discovery for the STUN lab, run inside a namespace and driven by
// JSON lines (see agent.ts). Loads @weft/stun's built output (dist/): run
// `tsc -b` first (`pnpm test` does).
import { createInterface } from 'node:readline'
import { discoverNat } from '@weft/stun'

const ops = {
  ping: async () => 'pong',
  // RFC 5780 discovery and port allocation against `server`
  discover: async ({ server, allocationSamples }) => discoverNat({ server, allocationSamples }),
}

createInterface({ input: process.stdin }).on('line', (line) => {
  let request
  try {
    request = JSON.parse(line)
  } catch {
    return
  }
  const op = ops[request.op]
  const answer = (body) => process.stdout.write(`${JSON.stringify({ id: request.id, ...body })}\n`)
  if (op == null) return answer({ ok: false, error: `unknown op ${request.op}` })
  op(request).then(
    (result) => answer({ ok: true, result }),
    (err) => answer({ ok: false, error: err?.message ?? String(err) }),
  )
})

process.on('SIGTERM', () => process.exit(0))
process.stdin.on('end', () => process.exit(0))
