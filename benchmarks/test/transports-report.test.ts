/** The transports case's pure parts: its targets, its table, its arguments. */
import { describe, expect, it } from 'vitest'
import { parseArgs, SMOKE } from '../src/config.js'
import { TransportResults, transportsSection } from '../src/transports-report.js'

describe('TransportResults', () => {
  it('checks QUIC against js-libp2p QUIC and weft TCP + Noise, and TLS against Noise', () => {
    const results = new TransportResults()
    results.add({ stack: 'weft', transport: 'tcp-noise' }, 'upload', 200)
    results.add({ stack: 'weft', transport: 'tcp-tls' }, 'upload', 250)
    results.add({ stack: 'weft', transport: 'quic' }, 'upload', 90)
    results.add({ stack: 'js', transport: 'quic' }, 'upload', 60)
    results.add({ stack: 'weft', transport: 'quic' }, 'round-trips', 2.05)
    const info = results.evaluate(25)
    const target = (label: string) => info.targets.find((t) => t.label.startsWith(label))
    expect(target('weft QUIC set-up')).toMatchObject({ value: 2.05, met: true })
    expect(target('weft QUIC / js-libp2p QUIC, upload')).toMatchObject({ value: 1.5, met: true })
    expect(target('weft QUIC / weft TCP + Noise, upload')).toMatchObject({ value: 0.45, met: false })
    expect(target('weft TCP + TLS / weft TCP + Noise, upload')).toMatchObject({ value: 1.25, met: true })
    // nothing measured for download: no value, no verdict
    expect(target('weft QUIC / js-libp2p QUIC, download')).toEqual({
      label: 'weft QUIC / js-libp2p QUIC, download ≥ 1',
    })
    const section = transportsSection(info)
    expect(section).toContain('| Throughput, upload (MB/s) | 200 | 250 | 90.0 | 60.0 | — |')
    expect(section).toContain('| weft QUIC / weft TCP + Noise, upload ≥ 0.5 | 0.45 | no |')
    expect(section).toContain('25 ms')
  })

  it('refuses a figure that is not a number', () => {
    expect(() =>
      new TransportResults().add({ stack: 'weft', transport: 'quic' }, 'setup', Number.NaN),
    ).toThrow(RangeError)
  })
})

describe('transports arguments', () => {
  it('runs in smoke mode with small sizes and takes a subset of stacks and parts', () => {
    expect(SMOKE.cases).toContain('transports')
    expect(SMOKE.transportBytes).toBeLessThanOrEqual(1024 * 1024)
    const { config } = parseArgs([
      '--only',
      'transports',
      '--bytes',
      '1000',
      '--transports',
      'weft-quic,js-quic',
      '--transport-parts',
      'throughput',
    ])
    expect(config.transportBytes).toBe(1000)
    expect(config.throughputBytes).toBe(1000)
    expect(config.transportEntries).toEqual(['weft-quic', 'js-quic'])
    expect(config.transportParts).toEqual(['throughput'])
  })
})
