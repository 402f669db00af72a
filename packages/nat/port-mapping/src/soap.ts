/**
 * SOAP 1.1 control messages (UPnP Device Architecture §3.2): an action is a
 * POST of an envelope to the service's control URL; the answer is either the
 * `<ActionResponse>` with out-arguments or a fault carrying a UPnPError.
 */
import { InvalidResponseError, UPnPError } from './errors.js'
import { httpRequest } from './http.js'
import { child, escapeText, parseXml, textOf, type XmlLimits } from './xml.js'

export interface SoapOptions extends XmlLimits {
  /** ms one action may take (default 5 000) */
  timeout?: number
  signal?: AbortSignal
}

/** The envelope of `action` on `serviceType` with `args` in order. */
export function soapEnvelope(
  serviceType: string,
  action: string,
  args: ReadonlyArray<[string, string]>,
): string {
  const body = args.map(([name, value]) => `<${name}>${escapeText(value)}</${name}>`).join('')
  return (
    '<?xml version="1.0"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">' +
    `<s:Body><u:${action} xmlns:u="${escapeText(serviceType)}">${body}</u:${action}></s:Body></s:Envelope>`
  )
}

/** Reads an answer envelope: the out-arguments of `action`, or a `UPnPError` for a fault. */
export function parseSoapAnswer(
  action: string,
  status: number,
  xml: string,
  limits?: XmlLimits,
): Record<string, string> {
  const body = child(child(parseXml(xml, limits), 'Envelope'), 'Body')
  if (body == null)
    throw new InvalidResponseError(`the answer to ${action} (HTTP ${status}) has no SOAP body`)
  const fault = child(body, 'Fault')
  if (fault != null) {
    const error = child(child(fault, 'detail'), 'UPnPError')
    const code = Number(textOf(error, 'errorCode'))
    if (!Number.isInteger(code)) {
      throw new InvalidResponseError(`the fault answering ${action} has no UPnP error code`)
    }
    throw new UPnPError(action, code, textOf(error, 'errorDescription') ?? '')
  }
  if (status !== 200) throw new InvalidResponseError(`${action} answered HTTP ${status} without a SOAP fault`)
  const response = child(body, `${action}Response`)
  if (response == null) throw new InvalidResponseError(`the answer to ${action} has no ${action}Response`)
  const out: Record<string, string> = {}
  if (typeof response === 'string') return out
  for (const name of Object.keys(response)) {
    const value = textOf(response, name)
    if (value != null) out[name] = value
  }
  return out
}

/** Runs `action` on the service at `controlUrl`. */
export async function soapAction(
  controlUrl: URL,
  serviceType: string,
  action: string,
  args: ReadonlyArray<[string, string]>,
  options: SoapOptions = {},
): Promise<Record<string, string>> {
  const answer = await httpRequest(controlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset="utf-8"',
      soapaction: `"${serviceType}#${action}"`,
    },
    body: soapEnvelope(serviceType, action, args),
    maxBytes: options.maxBytes,
    timeout: options.timeout,
    signal: options.signal,
  })
  return parseSoapAnswer(action, answer.status, answer.body, options)
}
