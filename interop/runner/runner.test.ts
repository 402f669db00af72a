/**
 * The runner's pure parts: which cells run, how a finished case is judged,
 * known-issue matching and the RESULTS.md rendering. No processes.
 */
import { describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM module without type declarations
import { knownIssue, notesFor } from './known-issues.mjs'
// @ts-expect-error plain ESM module without type declarations
import { cellName, cells, ECHO_BYTES, judge, parseOutput, withoutPeerId } from './matrix.mjs'
// @ts-expect-error plain ESM module without type declarations
import { renderResults } from './report.mjs'

const PEERS = {
  weft: { transports: ['tcp', 'ws'], securities: ['noise'], muxers: ['yamux', 'mplex'] },
  go: { transports: ['tcp', 'ws'], securities: ['noise'], muxers: ['yamux'] },
  rust: { transports: ['tcp'], securities: ['noise'], muxers: ['yamux', 'mplex'] },
}

const LISTENER_ADDR = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWListener'
const DIALER_ADDR = '/ip4/127.0.0.1/tcp/4002'
const PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/weft-interop/echo/1.0.0']

function dialerLine(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    handshakePlusOneRTTMillis: 12.5,
    pingRTTMilllis: 1.5,
    echoMillis: 30,
    echoBytes: ECHO_BYTES,
    self: { peerId: '12D3KooWDialer', agentVersion: 'dialer/1', listenAddrs: [DIALER_ADDR] },
    remote: { agentVersion: 'listener/1', protocols: PROTOCOLS, listenAddrs: ['/ip4/127.0.0.1/tcp/4001'] },
    ...overrides,
  })
}

function listenerOutput(remote: Record<string, unknown> = {}): string {
  const report = {
    self: {
      peerId: '12D3KooWListener',
      agentVersion: 'listener/1',
      listenAddrs: ['/ip4/127.0.0.1/tcp/4001'],
    },
    remote: { agentVersion: 'dialer/1', protocols: PROTOCOLS, listenAddrs: [DIALER_ADDR], ...remote },
  }
  return `${LISTENER_ADDR}\n${JSON.stringify(report)}\n`
}

describe('cells', () => {
  it('pairs weft with every peer both ways over the combinations both support', () => {
    const names = cells(PEERS).map(cellName)
    expect(names).toContain('weft x go (tcp, noise, yamux)')
    expect(names).toContain('go x weft (ws, noise, yamux)')
    expect(names).toContain('rust x weft (tcp, noise, mplex)')
    expect(names).toContain('weft x weft (ws, noise, mplex)')
    expect(names).not.toContain('weft x go (tcp, noise, mplex)')
    expect(names).not.toContain('weft x rust (ws, noise, yamux)')
    expect(names.some((name: string) => name.startsWith('go x rust'))).toBe(false)
    // weft×weft: 2 transports × 2 muxers; go: 2 × 1 × 2 directions; rust: 1 × 2 × 2 directions
    expect(names).toHaveLength(4 + 4 + 4)
  })

  it('filters transports and can include pairs without weft', () => {
    expect(
      cells(PEERS, { transports: ['ws'] }).every((c: { transport: string }) => c.transport === 'ws'),
    ).toBe(true)
    expect(cells(PEERS, { focus: null }).map(cellName)).toContain('go x rust (tcp, noise, yamux)')
  })
})

describe('parseOutput', () => {
  it('finds the address line and the JSON reports, ignoring other lines', () => {
    const out = parseOutput(`noise\n${LISTENER_ADDR}\n{"a":1}\n{torn\n`)
    expect(out.address).toBe(LISTENER_ADDR)
    expect(out.reports).toEqual([{ a: 1 }])
    expect(withoutPeerId(LISTENER_ADDR)).toBe('/ip4/127.0.0.1/tcp/4001')
  })
})

describe('judge', () => {
  it('passes a case whose identify reports agree both ways', () => {
    const verdict = judge({
      dialerExit: 0,
      dialerStdout: `${dialerLine()}\n`,
      listenerStdout: listenerOutput(),
    })
    expect(verdict.problems).toEqual([])
    expect(verdict.ok).toBe(true)
    expect(verdict.result.pingRTTMilllis).toBe(1.5)
  })

  it('fails on a non-zero exit, a missing result or a short echo', () => {
    expect(judge({ dialerExit: 1, dialerStdout: '', listenerStdout: listenerOutput() }).problems).toEqual([
      'dialer exited with 1',
      'dialer printed no result line',
    ])
    expect(judge({ dialerExit: null, dialerStdout: '', listenerStdout: listenerOutput() }).problems[0]).toBe(
      'dialer still running at the deadline',
    )
    const short = judge({
      dialerExit: 0,
      dialerStdout: dialerLine({ echoBytes: 10 }),
      listenerStdout: listenerOutput(),
    })
    expect(short.problems).toEqual([`echo: 10 bytes echoed, expected ${ECHO_BYTES}`])
  })

  it('cross-checks agent versions and listen addresses in both directions', () => {
    const wrongAgent = judge({
      dialerExit: 0,
      dialerStdout: dialerLine(),
      listenerStdout: listenerOutput({ agentVersion: 'other/2' }),
    })
    expect(wrongAgent.ok).toBe(false)
    expect(wrongAgent.problems[0]).toMatch(
      /listener identified dialer: agent "other\/2", dialer says "dialer\/1"/,
    )
    const missingAddr = judge({
      dialerExit: 0,
      dialerStdout: dialerLine({
        remote: { agentVersion: 'listener/1', protocols: PROTOCOLS, listenAddrs: ['/ip4/10.0.0.1/tcp/1'] },
      }),
      listenerStdout: listenerOutput(),
    })
    expect(missingAddr.problems).toEqual([
      'dialer identified listener: listen address /ip4/127.0.0.1/tcp/4001 missing from ["/ip4/10.0.0.1/tcp/1"]',
    ])
  })

  it('requires the listener to report its view of the dialer, with every protocol', () => {
    expect(
      judge({ dialerExit: 0, dialerStdout: dialerLine(), listenerStdout: `${LISTENER_ADDR}\n` }).problems,
    ).toEqual(['listener printed no identify report about the dialer'])
    const noEcho = judge({
      dialerExit: 0,
      dialerStdout: dialerLine(),
      listenerStdout: listenerOutput({ protocols: PROTOCOLS.slice(0, 2) }),
    })
    expect(noEcho.problems).toEqual(['listener identified dialer: protocol /weft-interop/echo/1.0.0 missing'])
  })
})

describe('knownIssue', () => {
  it('matches an entry only when every field it names matches', () => {
    const issues = [
      { match: { dialer: 'py', muxer: 'mplex' }, stack: 'py-libp2p', summary: 's', evidence: 'e' },
    ]
    const cell = { dialer: 'py', listener: 'weft', transport: 'tcp', security: 'noise', muxer: 'mplex' }
    expect(knownIssue(cell, issues)).toBe(issues[0])
    expect(knownIssue({ ...cell, muxer: 'yamux' }, issues)).toBeUndefined()
  })
})

describe('notesFor', () => {
  it('applies a note only to matching cells for which its condition holds', () => {
    const notes = [{ match: { muxer: 'mplex' }, when: (r: { slow: boolean }) => r.slow, text: 'slow close' }]
    const cell = { dialer: 'weft', listener: 'rust', transport: 'tcp', security: 'noise', muxer: 'mplex' }
    expect(notesFor({ cell, slow: true }, notes)).toEqual(['slow close'])
    expect(notesFor({ cell, slow: false }, notes)).toEqual([])
    expect(notesFor({ cell: { ...cell, muxer: 'yamux' }, slow: true }, notes)).toEqual([])
  })
})

describe('renderResults', () => {
  it('renders a table per combination, failures with evidence, versions and build times', () => {
    const pass = {
      cell: { dialer: 'weft', listener: 'go', transport: 'tcp', security: 'noise', muxer: 'yamux' },
      ok: true,
      handshakePlusOneRTTMillis: 41.2,
      pingRTTMilllis: 2.25,
    }
    const fail = {
      cell: { dialer: 'go', listener: 'weft', transport: 'tcp', security: 'noise', muxer: 'yamux' },
      ok: false,
      problems: ['dialer exited with 1'],
      dialerStderr: ['boom'],
      listenerStderr: [],
      knownIssue: { stack: 'go-libp2p v0', summary: 'It breaks.', evidence: 'https://example.invalid/1' },
    }
    const markdown = renderResults({
      results: [pass, fail],
      peers: ['weft', 'go'],
      versions: { go: { 'github.com/libp2p/go-libp2p': 'v0.51.0' } },
      builds: { go: { coldSeconds: 120, coldAt: '2026-11-24T23:00:00.000Z', thisRun: { built: false } } },
      date: '2026-11-24T23:30:00Z',
      machine: 'test',
      seconds: 10,
      command: 'pnpm interop',
    })
    expect(markdown).toContain('## tcp, noise, yamux')
    expect(markdown).toContain('| peer | weft dials peer | peer dials weft |')
    expect(markdown).toContain('| **go** | ✅ 41 / 2.3 | ❌ bug in go-libp2p v0 |')
    expect(markdown).toContain('### go x weft (tcp, noise, yamux)')
    expect(markdown).toContain('Evidence: https://example.invalid/1')
    expect(markdown).toContain('boom')
    expect(markdown).toContain('| go | github.com/libp2p/go-libp2p | v0.51.0 |')
    expect(markdown).toContain('| go | 120 s | 2026-11-24 23:00 | up to date |')
  })

  it('falls back to a dialer × listener grid when pairs without weft ran', () => {
    const cell = { dialer: 'go', listener: 'rust', transport: 'tcp', security: 'noise', muxer: 'yamux' }
    const markdown = renderResults({
      results: [{ cell, ok: true, handshakePlusOneRTTMillis: 5, pingRTTMilllis: 1 }],
      peers: ['weft', 'go', 'rust'],
      versions: {},
      builds: {},
      date: 'd',
      machine: 'm',
      seconds: 1,
      command: 'c',
    })
    expect(markdown).toContain('| dialer ↓ · listener → | rust |')
    expect(markdown).toContain('| **go** | ✅ 5.0 / 1.0 |')
  })
})
