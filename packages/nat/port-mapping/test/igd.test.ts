import { createSocket } from 'node:dgram'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import {
  GatewayNotFoundError,
  InvalidResponseError,
  ResponseLimitError,
  UnsafeXmlError,
  UPnPError,
} from '../src/errors.js'
import { InternetGatewayDevice } from '../src/igd.js'
import { mSearch, parseSsdpAnswer, searchGateways } from '../src/ssdp.js'
import { FakeIgd } from './fake-igd.js'

let igd: FakeIgd | undefined

afterEach(async () => {
  await igd?.stop()
  igd = undefined
})

async function discover(
  version: 1 | 2,
  extra: Partial<Parameters<typeof FakeIgd.start>[0]> = {},
): Promise<InternetGatewayDevice> {
  igd = await FakeIgd.start({ version, ...extra })
  return InternetGatewayDevice.discover({ address: '127.0.0.1', port: igd.ssdpPort, timeout: 2_000 })
}

describe('SSDP', () => {
  it('builds M-SEARCH and reads answers only when LOCATION is on the answering host', () => {
    expect(mSearch('urn:x', 2)).toBe(
      'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\nST: urn:x\r\n\r\n',
    )
    const answer = (location: string): Uint8Array =>
      Buffer.from(`HTTP/1.1 200 OK\r\nST: urn:x\r\nLOCATION: ${location}\r\n\r\n`)
    expect(parseSsdpAnswer(answer('http://192.168.1.1:5000/d.xml'), '192.168.1.1')?.location.href).toBe(
      'http://192.168.1.1:5000/d.xml',
    )
    expect(parseSsdpAnswer(answer('http://10.0.0.9:5000/d.xml'), '192.168.1.1')).toBeUndefined()
    expect(parseSsdpAnswer(answer('https://192.168.1.1/d.xml'), '192.168.1.1')).toBeUndefined()
    expect(parseSsdpAnswer(answer('http://router.lan/d.xml'), '192.168.1.1')).toBeUndefined()
    expect(parseSsdpAnswer(Buffer.from('NOTIFY * HTTP/1.1\r\n\r\n'), '192.168.1.1')).toBeUndefined()
  })

  it('never throws on any datagram (property)', () => {
    const header = fc.constantFrom(
      'HTTP/1.1 200 OK',
      'LOCATION: http://192.168.1.1:1/x',
      'LOCATION: http://[::1',
      'ST: a',
      ':',
      'USN',
      '',
    )
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.array(header, { maxLength: 8 }).map((lines) => Buffer.from(lines.join('\r\n'))),
        ),
        (datagram) => {
          const answer = parseSsdpAnswer(datagram, '192.168.1.1')
          if (answer != null) expect(answer.location.hostname).toBe('192.168.1.1')
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('searches for IGD v1 and v2 and their WAN connection services', async () => {
    igd = await FakeIgd.start({ version: 1 })
    const found = await searchGateways({ address: '127.0.0.1', port: igd.ssdpPort, timeout: 2_000 })
    expect(found.map((answer) => answer.location.href)).toEqual([igd.location])
    expect(igd.searches).toEqual([
      'urn:schemas-upnp-org:device:InternetGatewayDevice:2',
      'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      'urn:schemas-upnp-org:service:WANIPConnection:2',
      'urn:schemas-upnp-org:service:WANIPConnection:1',
      'urn:schemas-upnp-org:service:WANPPPConnection:1',
    ])
  })

  it('ignores a flood of answers with bounded memory', async () => {
    const flooder = createSocket('udp4')
    let sent = 0
    flooder.on('message', (_message, from) => {
      // 3 000 distinct locations and oversized datagrams per search
      for (let i = 0; i < 600; i++) {
        const big = i % 2 === 0 ? 'X-PAD: ' + 'a'.repeat(4_000) + '\r\n' : ''
        flooder.send(
          `HTTP/1.1 200 OK\r\nST: urn:x\r\n${big}LOCATION: http://127.0.0.1:${1000 + sent}/d.xml\r\n\r\n`,
          from.port,
          from.address,
        )
        sent++
      }
    })
    await new Promise<void>((resolve) => flooder.bind(0, '127.0.0.1', resolve))
    try {
      const found = await searchGateways({
        address: '127.0.0.1',
        port: flooder.address().port,
        timeout: 1_500,
        settleTime: 1_500,
        maxGateways: 8,
        maxDatagrams: 256,
      })
      expect(found.length).toBe(8)
      expect(sent).toBeGreaterThan(256)
    } finally {
      flooder.close()
    }
  })

  it('finds nothing when nobody answers, within the timeout', async () => {
    const started = Date.now()
    const silent = createSocket('udp4')
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve))
    try {
      await expect(
        InternetGatewayDevice.discover({ address: '127.0.0.1', port: silent.address().port, timeout: 300 }),
      ).rejects.toThrow(GatewayNotFoundError)
      expect(Date.now() - started).toBeLessThan(2_000)
    } finally {
      silent.close()
    }
  })
})

describe.each([1, 2] as const)('IGD v%d', (version) => {
  it('finds the WAN connection and firewall services and maps, reads and deletes a port', async () => {
    const device = await discover(version)
    expect(device.version).toBe(version)
    expect(device.connection.serviceType).toBe(`urn:schemas-upnp-org:service:WANIPConnection:${version}`)
    expect(device.firewall?.controlUrl.pathname).toBe('/ctl/IP6FCtl')
    expect(await device.externalAddress()).toBe('203.0.113.7')
    const mapped = await device.map({
      protocol: 'tcp',
      internalClient: '127.0.0.1',
      internalPort: 4001,
      lease: 3600,
      description: 'weft',
    })
    expect(mapped).toEqual({ protocol: 'tcp', externalPort: 4001, lease: 3600 })
    expect(igd!.calls.at(-1)?.action).toBe(version === 2 ? 'AddAnyPortMapping' : 'AddPortMapping')
    expect(await device.getSpecificPortMappingEntry('tcp', 4001)).toEqual({
      internalPort: 4001,
      internalClient: '127.0.0.1',
      enabled: true,
      description: 'weft',
      lease: 3600,
    })
    await device.deletePortMapping('tcp', 4001)
    expect(igd!.mappings.size).toBe(0)
    expect(await device.getSpecificPortMappingEntry('tcp', 4001)).toBeUndefined()
  })

  it('moves to another external port on 718 ConflictInMappingEntry', async () => {
    const device = await discover(version, { conflicts: [4001] })
    const mapped = await device.map({
      protocol: 'udp',
      internalClient: '127.0.0.1',
      internalPort: 4001,
      lease: 3600,
      description: 'weft',
    })
    expect(mapped.externalPort).not.toBe(4001)
    expect(igd!.mappings.get(`UDP/${mapped.externalPort}`)?.internalPort).toBe(4001)
  })

  it('gives up after the configured 718 retries with the UPnPError', async () => {
    igd = await FakeIgd.start({ version: 1, conflicts: Array.from({ length: 65_536 }, (_, i) => i) })
    const device = await InternetGatewayDevice.fromLocation(new URL(igd.location), { conflictRetries: 2 })
    await expect(
      device.map({
        protocol: 'udp',
        internalClient: '127.0.0.1',
        internalPort: 4001,
        lease: 60,
        description: 'weft',
      }),
    ).rejects.toMatchObject({ name: 'UPnPError', code: 718 })
    expect(igd.calls.filter((call) => call.action === 'AddPortMapping')).toHaveLength(3)
  })

  it('retries with a permanent lease on 725 OnlyPermanentLeasesSupported', async () => {
    const device = await discover(version, { onlyPermanentLeases: true })
    const mapped = await device.map({
      protocol: 'tcp',
      internalClient: '127.0.0.1',
      internalPort: 5001,
      lease: 3600,
      description: 'weft',
    })
    expect(mapped.lease).toBe(0)
    expect(igd!.mappings.get('TCP/5001')?.lease).toBe(0)
  })

  it('opens, renews and deletes an IPv6 pinhole on WANIPv6FirewallControl:1', async () => {
    const device = await discover(version)
    expect(await device.firewallStatus()).toEqual({ enabled: true, inboundPinholeAllowed: true })
    const id = await device.addPinhole({
      protocol: 'udp',
      internalClient: 'fd00::2',
      internalPort: 4001,
      lease: 600,
    })
    expect(igd!.pinholes.get(id)).toEqual({ client: 'fd00::2', port: 4001, protocol: '17', lease: 600 })
    await device.updatePinhole(id, 1200)
    expect(igd!.pinholes.get(id)?.lease).toBe(1200)
    await device.deletePinhole(id)
    expect(igd!.pinholes.size).toBe(0)
    const pinholeCalls = igd!.calls.filter((call) => /Pinhole|Firewall/.test(call.action))
    expect(
      pinholeCalls.every(
        (call) => call.path === '/ctl/IP6FCtl' && call.soapAction.includes('WANIPv6FirewallControl:1#'),
      ),
    ).toBe(true)
  })
})

describe('hostile gateways', () => {
  it('refuses a description with entity expansion', async () => {
    igd = await FakeIgd.start({
      version: 1,
      description:
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><root><device>&b;</device></root>',
    })
    await expect(InternetGatewayDevice.fromLocation(new URL(igd.location))).rejects.toThrow(UnsafeXmlError)
  })

  it('refuses a deeply nested description', async () => {
    igd = await FakeIgd.start({
      version: 1,
      description: `<root>${'<device>'.repeat(5_000)}${'</device>'.repeat(5_000)}</root>`,
    })
    await expect(InternetGatewayDevice.fromLocation(new URL(igd.location))).rejects.toThrow(
      ResponseLimitError,
    )
  })

  it('stops reading an oversized description', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200)
      // streams far more than the limit without a content-length
      const chunk = 'x'.repeat(16_384)
      let sent = 0
      const push = (): void => {
        while (sent++ < 10_000) if (!res.write(chunk)) return void res.once('drain', push)
        res.end()
      }
      push()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/d.xml`)
      await expect(InternetGatewayDevice.fromLocation(url, { maxBytes: 32_768 })).rejects.toThrow(
        ResponseLimitError,
      )
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('times out a gateway that never answers', async () => {
    const server = createServer(() => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/d.xml`)
      await expect(InternetGatewayDevice.fromLocation(url, { timeout: 200 })).rejects.toMatchObject({
        name: 'GatewayTimeoutError',
      })
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('reports a SOAP answer that is not SOAP as InvalidResponseError', async () => {
    const device = await discover(1, { soapAnswer: '<html><body>hello</body></html>' })
    await expect(device.externalAddress()).rejects.toThrow(InvalidResponseError)
    expect(UPnPError.name).toBe('UPnPError')
  })
})
