import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDeviceDescription } from '../src/device.js'
import { InvalidResponseError, ResponseLimitError, UnsafeXmlError } from '../src/errors.js'
import { parseSoapAnswer } from '../src/soap.js'
import { checkXml, decodeText, escapeText, parseXml } from '../src/xml.js'

const TYPED = [InvalidResponseError, ResponseLimitError, UnsafeXmlError]
const LOCATION = new URL('http://192.168.1.1:5000/rootDesc.xml')

describe('hostile XML', () => {
  it('refuses entity expansion (billion laughs) before parsing', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><root><device>&lol2;</device></root>`
    expect(() => parseXml(laughs)).toThrow(UnsafeXmlError)
    expect(() => parseDeviceDescription(laughs, LOCATION)).toThrow(UnsafeXmlError)
  })

  it('refuses an external entity and a DOCTYPE in any case', () => {
    expect(() => parseXml('<!doctype root SYSTEM "file:///etc/passwd"><root/>')).toThrow(UnsafeXmlError)
    expect(() => parseXml('<root><!ENTITY x SYSTEM "http://evil/">&x;</root>')).toThrow(UnsafeXmlError)
  })

  it('refuses deep nesting', () => {
    const deep = `${'<a>'.repeat(10_000)}x${'</a>'.repeat(10_000)}`
    expect(() => parseXml(deep)).toThrow(ResponseLimitError)
    expect(() => parseXml(`${'<a>'.repeat(25)}${'</a>'.repeat(25)}`)).toThrow(ResponseLimitError)
    expect(() => parseXml(`${'<a>'.repeat(24)}${'</a>'.repeat(24)}`)).not.toThrow()
  })

  it('refuses oversized text', () => {
    const big = `<root>${'x'.repeat(70_000)}</root>`
    expect(() => parseXml(big)).toThrow(ResponseLimitError)
    expect(() => checkXml('<r>é</r>', { maxBytes: 8 })).toThrow(ResponseLimitError)
  })

  it('reports malformed XML as InvalidResponseError', () => {
    expect(() => parseXml('<root><a></root>')).toThrow(InvalidResponseError)
    expect(() => parseDeviceDescription('<root></root>', LOCATION)).toThrow(InvalidResponseError)
  })

  it('leaves undeclared entities unexpanded', () => {
    const parsed = parseXml('<root><a>&amp;&lt;&#65;&#x42;&bogus;</a></root>')
    expect(decodeText((parsed.root as { a: string }).a)).toBe('&<AB&bogus;')
  })

  it('any text ends in a value or a typed error (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        try {
          parseXml(text)
        } catch (err) {
          expect(TYPED.some((type) => err instanceof type)).toBe(true)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('any tag soup ends in a value or a typed error (property)', () => {
    const piece = fc.constantFrom(
      '<a>',
      '</a>',
      '<b/>',
      '<!--c-->',
      '<![CDATA[<x>]]>',
      '&amp;',
      '&#1;',
      'text',
      '<?pi?>',
      '<',
      '>',
      '<!ENTITY',
      '<root>',
      '</root>',
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const text = pieces.join('')
        try {
          parseDeviceDescription(text, LOCATION)
          parseSoapAnswer('X', 200, text)
        } catch (err) {
          expect(TYPED.some((type) => err instanceof type) || (err as Error).name === 'UPnPError').toBe(true)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('escapeText and decodeText invert each other (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 100 }), (text) => decodeText(escapeText(text)) === text))
  })
})

describe('device description', () => {
  it('finds services in embedded devices and resolves control URLs against URLBase', () => {
    const xml = `<root><URLBase>http://192.168.1.1:5000/</URLBase><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
      <deviceList><device><deviceList><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><controlURL>ctl/PPP</controlURL></service></serviceList></device></deviceList></device></deviceList></device></root>`
    const description = parseDeviceDescription(xml, LOCATION)
    expect(description.services).toEqual([
      {
        serviceType: 'urn:schemas-upnp-org:service:WANPPPConnection:1',
        controlUrl: new URL('http://192.168.1.1:5000/ctl/PPP'),
      },
    ])
  })

  it('drops a control URL that points at another host', () => {
    const xml = `<root><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>http://10.9.9.9/steal</controlURL></service></serviceList></device></root>`
    expect(parseDeviceDescription(xml, LOCATION).services).toEqual([])
  })
})

describe('SOAP answers', () => {
  it('reads a UPnPError fault', () => {
    const xml = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><detail><UPnPError><errorCode>718</errorCode><errorDescription>ConflictInMappingEntry</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>`
    expect(() => parseSoapAnswer('AddPortMapping', 500, xml)).toThrow(
      expect.objectContaining({ name: 'UPnPError', code: 718, description: 'ConflictInMappingEntry' }),
    )
  })

  it('reads out-arguments, empty ones as empty text', () => {
    const xml = `<s:Envelope xmlns:s="x"><s:Body><u:GetXResponse xmlns:u="y"><A>1</A><B></B><C>a&amp;b</C></u:GetXResponse></s:Body></s:Envelope>`
    expect(parseSoapAnswer('GetX', 200, xml)).toEqual({ A: '1', B: '', C: 'a&b' })
  })

  it('refuses a 200 without the action response', () => {
    expect(() => parseSoapAnswer('GetX', 200, '<Envelope><Body><Other/></Body></Envelope>')).toThrow(
      InvalidResponseError,
    )
  })
})
