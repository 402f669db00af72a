/**
 * A UPnP Internet Gateway Device, v1 or v2: its WAN connection service
 * (WANIPConnection:2/1 or WANPPPConnection:1) for IPv4 port mappings and its
 * WANIPv6FirewallControl:1 service for IPv6 pinholes. `map()` holds the error
 * paths: AddAnyPortMapping on v2 (the gateway picks a free port), on v1 718
 * ConflictInMappingEntry moves to another external port, and 725
 * OnlyPermanentLeasesSupported retries with a permanent lease (removed on stop
 * all the same).
 */
import { randomInt } from 'node:crypto'
import {
  connectionService,
  type DeviceDescription,
  firewallService,
  parseDeviceDescription,
  type ServiceEntry,
  WAN_IP_CONNECTION_2,
} from './device.js'
import { GatewayNotFoundError, InvalidResponseError, UPnPError } from './errors.js'
import { httpRequest } from './http.js'
import { type SoapOptions, soapAction } from './soap.js'
import { type SsdpSearchInit, searchGateways } from './ssdp.js'
import type { XmlLimits } from './xml.js'

export type TransportProtocol = 'tcp' | 'udp'

/** UPnP error codes handled (IGD v2 WANIPConnection §2.4). */
export const CONFLICT_IN_MAPPING_ENTRY = 718
export const ONLY_PERMANENT_LEASES_SUPPORTED = 725
export const INVALID_ACTION = 401
export const NO_SUCH_ENTRY_IN_ARRAY = 714

export interface IgdMapRequest {
  protocol: TransportProtocol
  internalClient: string
  internalPort: number
  /** the external port wished for (default the internal port) */
  externalPort?: number
  /** lease seconds (0: permanent) */
  lease: number
  description: string
}

export interface IgdMapping {
  protocol: TransportProtocol
  externalPort: number
  /** the lease granted, seconds; 0 when the gateway only takes permanent leases */
  lease: number
}

export interface PortMappingEntry {
  internalPort: number
  internalClient: string
  enabled: boolean
  description: string
  lease: number
}

export interface PinholeRequest {
  protocol: TransportProtocol
  internalClient: string
  internalPort: number
  /** the remote host allowed in ('' for any, the default) */
  remoteHost?: string
  /** the remote port allowed in (0 for any, the default) */
  remotePort?: number
  /** lease seconds, 1..86 400 */
  lease: number
}

export interface IgdInit extends XmlLimits {
  /** ms one SOAP action or description fetch may take (default 5 000) */
  timeout?: number
  /** other external ports tried after 718 on an IGD v1 (default 4) */
  conflictRetries?: number
}

export class InternetGatewayDevice {
  readonly location: URL
  readonly connection: ServiceEntry
  readonly firewall?: ServiceEntry
  readonly description: DeviceDescription

  constructor(
    location: URL,
    description: DeviceDescription,
    private readonly init: IgdInit = {},
  ) {
    const connection = connectionService(description)
    if (connection == null)
      throw new GatewayNotFoundError(`the IGD at ${location.href} has no WAN connection service`)
    this.location = location
    this.description = description
    this.connection = connection
    this.firewall = firewallService(description)
  }

  /** Fetches and reads the description at `location`. */
  static async fromLocation(
    location: URL,
    init: IgdInit & { signal?: AbortSignal } = {},
  ): Promise<InternetGatewayDevice> {
    const answer = await httpRequest(location, {
      method: 'GET',
      maxBytes: init.maxBytes,
      timeout: init.timeout,
      signal: init.signal,
    })
    if (answer.status !== 200)
      throw new InvalidResponseError(`${location.href} answered HTTP ${answer.status}`)
    return new InternetGatewayDevice(location, parseDeviceDescription(answer.body, location, init), init)
  }

  /** Finds the first IGD that answers SSDP and has a WAN connection service. */
  static async discover(ssdp: SsdpSearchInit = {}, init: IgdInit = {}): Promise<InternetGatewayDevice> {
    const answers = await searchGateways(ssdp)
    const failures: string[] = []
    for (const answer of answers) {
      try {
        return await InternetGatewayDevice.fromLocation(answer.location, { ...init, signal: ssdp.signal })
      } catch (err) {
        failures.push(`${answer.location.href}: ${(err as Error).message}`)
      }
    }
    throw new GatewayNotFoundError(
      answers.length === 0 ? 'no UPnP IGD answered the SSDP search' : `no usable IGD: ${failures.join('; ')}`,
    )
  }

  /** 2 for WANIPConnection:2 (AddAnyPortMapping), else 1. */
  get version(): 1 | 2 {
    return this.connection.serviceType === WAN_IP_CONNECTION_2 ? 2 : 1
  }

  async externalAddress(options: { signal?: AbortSignal } = {}): Promise<string> {
    const out = await this.call('GetExternalIPAddress', [], options)
    const address = out.NewExternalIPAddress
    if (address == null || address === '')
      throw new InvalidResponseError('GetExternalIPAddress gave no address')
    return address
  }

  async addPortMapping(
    request: IgdMapRequest & { externalPort: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.call('AddPortMapping', mappingArgs(request, request.externalPort), options)
  }

  /** IGD v2 only: the gateway maps `externalPort` or another free port and says which. */
  async addAnyPortMapping(
    request: IgdMapRequest & { externalPort: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const out = await this.call('AddAnyPortMapping', mappingArgs(request, request.externalPort), options)
    return parsePort(out.NewReservedPort, 'AddAnyPortMapping NewReservedPort')
  }

  async deletePortMapping(
    protocol: TransportProtocol,
    externalPort: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.call(
      'DeletePortMapping',
      [
        ['NewRemoteHost', ''],
        ['NewExternalPort', String(externalPort)],
        ['NewProtocol', protocol.toUpperCase()],
      ],
      options,
    )
  }

  /** The entry for `externalPort`, or undefined when the gateway has none (714). */
  async getSpecificPortMappingEntry(
    protocol: TransportProtocol,
    externalPort: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<PortMappingEntry | undefined> {
    try {
      const out = await this.call(
        'GetSpecificPortMappingEntry',
        [
          ['NewRemoteHost', ''],
          ['NewExternalPort', String(externalPort)],
          ['NewProtocol', protocol.toUpperCase()],
        ],
        options,
      )
      return {
        internalPort: parsePort(out.NewInternalPort, 'NewInternalPort'),
        internalClient: out.NewInternalClient ?? '',
        enabled: out.NewEnabled === '1' || out.NewEnabled?.toLowerCase() === 'true',
        description: out.NewPortMappingDescription ?? '',
        lease: Number(out.NewLeaseDuration ?? 0),
      }
    } catch (err) {
      if (err instanceof UPnPError && err.code === NO_SUCH_ENTRY_IN_ARRAY) return undefined
      throw err
    }
  }

  /** Maps a port through the 718/725 paths described above. */
  async map(request: IgdMapRequest, options: { signal?: AbortSignal } = {}): Promise<IgdMapping> {
    let lease = request.lease
    const wanted = request.externalPort ?? request.internalPort
    for (let attempt = 0; ; attempt++) {
      const port = attempt <= 0 ? wanted : randomInt(1024, 65_536)
      try {
        if (this.version === 2) {
          try {
            const reserved = await this.addAnyPortMapping({ ...request, externalPort: port, lease }, options)
            return { protocol: request.protocol, externalPort: reserved, lease }
          } catch (err) {
            if (!(err instanceof UPnPError && err.code === INVALID_ACTION)) throw err
          }
        }
        await this.addPortMapping({ ...request, externalPort: port, lease }, options)
        return { protocol: request.protocol, externalPort: port, lease }
      } catch (err) {
        if (!(err instanceof UPnPError)) throw err
        if (err.code === ONLY_PERMANENT_LEASES_SUPPORTED && lease !== 0) {
          lease = 0
          attempt--
          continue
        }
        if (err.code === CONFLICT_IN_MAPPING_ENTRY && attempt < (this.init.conflictRetries ?? 4)) continue
        throw err
      }
    }
  }

  /** GetFirewallStatus: whether the firewall is on and whether pinholes may be opened. */
  async firewallStatus(
    options: { signal?: AbortSignal } = {},
  ): Promise<{ enabled: boolean; inboundPinholeAllowed: boolean }> {
    const out = await this.callFirewall('GetFirewallStatus', [], options)
    return { enabled: isTrue(out.FirewallEnabled), inboundPinholeAllowed: isTrue(out.InboundPinholeAllowed) }
  }

  /** AddPinhole on WANIPv6FirewallControl:1; returns the pinhole's UniqueID. */
  async addPinhole(request: PinholeRequest, options: { signal?: AbortSignal } = {}): Promise<number> {
    const out = await this.callFirewall(
      'AddPinhole',
      [
        ['RemoteHost', request.remoteHost ?? ''],
        ['RemotePort', String(request.remotePort ?? 0)],
        ['InternalClient', request.internalClient],
        ['InternalPort', String(request.internalPort)],
        ['Protocol', request.protocol === 'tcp' ? '6' : '17'],
        ['LeaseTime', String(request.lease)],
      ],
      options,
    )
    const id = Number(out.UniqueID)
    if (!Number.isInteger(id) || id < 0 || id > 0xffff)
      throw new InvalidResponseError(`AddPinhole gave the UniqueID ${JSON.stringify(out.UniqueID)}`)
    return id
  }

  async updatePinhole(id: number, lease: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.callFirewall(
      'UpdatePinhole',
      [
        ['UniqueID', String(id)],
        ['NewLeaseTime', String(lease)],
      ],
      options,
    )
  }

  async deletePinhole(id: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.callFirewall('DeletePinhole', [['UniqueID', String(id)]], options)
  }

  private async call(
    action: string,
    args: Array<[string, string]>,
    options: { signal?: AbortSignal },
  ): Promise<Record<string, string>> {
    return soapAction(
      this.connection.controlUrl,
      this.connection.serviceType,
      action,
      args,
      this.soapOptions(options),
    )
  }

  private async callFirewall(
    action: string,
    args: Array<[string, string]>,
    options: { signal?: AbortSignal },
  ): Promise<Record<string, string>> {
    if (this.firewall == null)
      throw new GatewayNotFoundError(
        `the IGD at ${this.location.href} has no WANIPv6FirewallControl:1 service`,
      )
    return soapAction(
      this.firewall.controlUrl,
      this.firewall.serviceType,
      action,
      args,
      this.soapOptions(options),
    )
  }

  private soapOptions(options: { signal?: AbortSignal }): SoapOptions {
    return {
      timeout: this.init.timeout,
      maxBytes: this.init.maxBytes,
      maxDepth: this.init.maxDepth,
      signal: options.signal,
    }
  }
}

function mappingArgs(request: IgdMapRequest, externalPort: number): Array<[string, string]> {
  return [
    ['NewRemoteHost', ''],
    ['NewExternalPort', String(externalPort)],
    ['NewProtocol', request.protocol.toUpperCase()],
    ['NewInternalPort', String(request.internalPort)],
    ['NewInternalClient', request.internalClient],
    ['NewEnabled', '1'],
    ['NewPortMappingDescription', request.description],
    ['NewLeaseDuration', String(request.lease)],
  ]
}

function parsePort(value: string | undefined, what: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new InvalidResponseError(`${what} is ${JSON.stringify(value)}, not a port`)
  return port
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true'
}
