/**
 * @weft/port-mapping: opens ports on the router so peers outside can connect
 * in. UPnP IGD v1 and v2 (SSDP search for both; WANIPConnection:2/1 and
 * WANPPPConnection:1; AddAnyPortMapping on v2; the 718 and 725 error paths),
 * PCP MAP (RFC 6887) falling back to NAT-PMP (RFC 6886), and IPv6 pinholes on
 * WANIPv6FirewallControl:1. Leases are renewed at half their lifetime, a
 * restarted gateway (NAT-PMP/PCP epoch) gets every mapping again, a private
 * external address is reported as double NAT, and stop removes everything.
 *
 * ```ts
 * import { PortMapper } from '@weft/port-mapping'
 * const mapper = new PortMapper({ protocols: ['upnp', 'pcp', 'nat-pmp'] })
 * const mapping = await mapper.map({ protocol: 'tcp', internalPort: 4001 })
 * console.log(`${mapping.externalAddress}:${mapping.externalPort} via ${mapping.via}`)
 * await mapper.stop() // every mapping removed
 * ```
 *
 * As a host service, `portMapping(init)` maps the host's listen ports and
 * reports the mapped addresses (see service.ts). Logging: `weft:port-mapping`.
 */
export type { BackendMapping, BackendMapRequest, MappingProtocol } from './backends.js'
export { defaultGateway, parseProcNetRoute } from './default-gateway.js'
export {
  CONNECTION_SERVICES,
  type DeviceDescription,
  parseDeviceDescription,
  type ServiceEntry,
  WAN_IP_CONNECTION_1,
  WAN_IP_CONNECTION_2,
  WAN_IPV6_FIREWALL_CONTROL_1,
  WAN_PPP_CONNECTION_1,
} from './device.js'
export { EpochTracker } from './epoch.js'
export * from './errors.js'
export {
  CONFLICT_IN_MAPPING_ENTRY,
  type IgdInit,
  type IgdMapping,
  type IgdMapRequest,
  InternetGatewayDevice,
  ONLY_PERMANENT_LEASES_SUPPORTED,
  type PortMappingEntry,
  type TransportProtocol,
} from './igd.js'
export {
  type Mapping,
  type MapRequest,
  PortMapper,
  type PortMapperEvents,
  type PortMapperInit,
} from './mapper.js'
export { NatPmpClient, type NatPmpInit } from './nat-pmp.js'
export * as natPmpCodec from './nat-pmp-codec.js'
export { PcpClient, type PcpInit } from './pcp.js'
export * as pcpCodec from './pcp-codec.js'
export type { Pinhole, PinholeRequest } from './pinholes.js'
export {
  type PortMappingComponents,
  type PortMappingEvents,
  type PortMappingInit,
  PortMappingService,
  portMapping,
} from './service.js'
export {
  IGD_SEARCH_TARGETS,
  mSearch,
  parseSsdpAnswer,
  type SsdpAnswer,
  type SsdpSearchInit,
  searchGateways,
} from './ssdp.js'
export { checkXml, parseXml, type XmlLimits } from './xml.js'
