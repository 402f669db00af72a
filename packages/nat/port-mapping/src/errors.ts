/**
 * Errors of @weft/port-mapping, each with a stable `name`. Bad arguments are
 * built-in `TypeError`/`RangeError`.
 */

/** No gateway answered: no IGD found by SSDP, or no NAT-PMP/PCP answer after every retransmission. */
export class GatewayNotFoundError extends Error {
  static override name = 'GatewayNotFoundError'
  override name = 'GatewayNotFoundError'
}

/** A gateway's answer broke its protocol: a malformed packet, XML, SOAP envelope or HTTP reply. */
export class InvalidResponseError extends Error {
  static override name = 'InvalidResponseError'
  override name = 'InvalidResponseError'
}

/** An answer was larger, deeper or more numerous than the configured limit; it was dropped unread. */
export class ResponseLimitError extends Error {
  static override name = 'ResponseLimitError'
  override name = 'ResponseLimitError'
}

/** XML that declares a DOCTYPE or an entity: refused before parsing (entity expansion attacks). */
export class UnsafeXmlError extends Error {
  static override name = 'UnsafeXmlError'
  override name = 'UnsafeXmlError'
}

/** A request got no answer in time. */
export class GatewayTimeoutError extends Error {
  static override name = 'GatewayTimeoutError'
  override name = 'GatewayTimeoutError'
}

/** A UPnP action failed with a SOAP fault carrying a UPnPError (e.g. 718 ConflictInMappingEntry). */
export class UPnPError extends Error {
  static override name = 'UPnPError'
  override name = 'UPnPError'
  constructor(
    readonly action: string,
    readonly code: number,
    readonly description: string,
  ) {
    super(`${action} failed with UPnP error ${code} (${description})`)
  }
}

/** A NAT-PMP or PCP gateway answered with a non-zero result code. */
export class GatewayResultError extends Error {
  static override name = 'GatewayResultError'
  override name = 'GatewayResultError'
  constructor(
    readonly protocol: 'nat-pmp' | 'pcp',
    readonly code: number,
    readonly result: string,
  ) {
    super(`the ${protocol === 'pcp' ? 'PCP' : 'NAT-PMP'} gateway answered ${result} (${code})`)
  }
}

/** The PCP server speaks another version (UNSUPP_VERSION or a NAT-PMP-shaped answer): fall back to NAT-PMP. */
export class UnsupportedVersionError extends Error {
  static override name = 'UnsupportedVersionError'
  override name = 'UnsupportedVersionError'
  constructor(readonly serverVersion: number) {
    super(`the gateway does not speak PCP version 2 (it answered version ${serverVersion})`)
  }
}

/** The gateway's external address is private or special-purpose: another NAT sits beyond it. */
export class DoubleNatError extends Error {
  static override name = 'DoubleNatError'
  override name = 'DoubleNatError'
  constructor(readonly externalAddress: string) {
    super(`the gateway's external address ${externalAddress} is not public: double NAT`)
  }
}

/** The port mapper was stopped while work was in flight, or used after stop. */
export class PortMapperStoppedError extends Error {
  static override name = 'PortMapperStoppedError'
  override name = 'PortMapperStoppedError'
}
