/**
 * Safe XML for UPnP: device descriptions and SOAP answers come from any box on
 * the LAN, so the text is checked before fast-xml-parser sees it. Refused:
 * more than `maxBytes`, any `<!DOCTYPE` or `<!ENTITY` (entity expansion, the
 * "billion laughs"), nesting deeper than `maxDepth`. The parser runs with
 * entity processing off; the five predefined entities and character
 * references are decoded in one pass over a value (no expansion possible).
 */
import { XMLParser } from 'fast-xml-parser'
import { InvalidResponseError, ResponseLimitError, UnsafeXmlError } from './errors.js'

export interface XmlLimits {
  /** bytes of XML text accepted (default 65 536) */
  maxBytes?: number
  /** element nesting accepted (default 24; a UPnP description needs about 10) */
  maxDepth?: number
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = { maxBytes: 65_536, maxDepth: 24 }

/** An element: a string when it holds only text, else its children by local name (repeated names become arrays). */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] }

/** Throws unless `text` is within the limits and declares no DOCTYPE or entity. */
export function checkXml(text: string, limits: XmlLimits = {}): void {
  const { maxBytes, maxDepth } = { ...DEFAULT_XML_LIMITS, ...limits }
  if (text.length > maxBytes || Buffer.byteLength(text) > maxBytes) {
    throw new ResponseLimitError(`XML of ${Buffer.byteLength(text)} bytes; at most ${maxBytes} accepted`)
  }
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) {
    throw new UnsafeXmlError('XML with a DOCTYPE or ENTITY declaration was refused')
  }
  let depth = 0
  // tags only: comments, CDATA, processing instructions and declarations do not nest
  for (const match of text.matchAll(/<(\/?)([^<>!?]*?)(\/?)>/g)) {
    if (match[1] === '/') depth--
    else if (match[3] !== '/') depth++
    if (depth > maxDepth) throw new ResponseLimitError(`XML nested deeper than ${maxDepth} elements`)
  }
}

function makeParser(maxDepth: number): XMLParser {
  return new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
    maxNestedTags: maxDepth + 1,
  })
}

/** Parses checked XML into nodes; malformed XML is an `InvalidResponseError`. */
export function parseXml(text: string, limits: XmlLimits = {}): Record<string, XmlNode | XmlNode[]> {
  checkXml(text, limits)
  let parsed: unknown
  try {
    parsed = makeParser(limits.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth).parse(text, true)
  } catch (err) {
    throw new InvalidResponseError(`malformed XML: ${(err as Error).message}`)
  }
  if (parsed == null || typeof parsed !== 'object')
    throw new InvalidResponseError('XML without a root element')
  return parsed as Record<string, XmlNode | XmlNode[]>
}

/** The element(s) named `name` under `node`, always as a list. */
export function children(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode[] {
  if (node == null || typeof node === 'string' || Array.isArray(node)) return []
  const value = Object.hasOwn(node, name) ? node[name] : undefined
  if (value == null) return []
  return Array.isArray(value) ? value : [value]
}

/** The first element named `name` under `node`. */
export function child(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0]
}

/** The decoded text of the first element named `name` under `node` ('' for an empty element), or undefined. */
export function textOf(node: XmlNode | XmlNode[] | undefined, name: string): string | undefined {
  const value = child(node, name)
  if (value == null) return undefined
  if (typeof value !== 'string') return Object.keys(value).length === 0 ? '' : undefined
  return decodeText(value)
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Decodes the predefined entities and character references; anything else stays as written. */
export function decodeText(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1))
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return PREDEFINED[name] ?? whole
  })
}

/** `value` escaped for an XML element's text. */
export function escapeText(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (char) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[char]};`,
  )
}
