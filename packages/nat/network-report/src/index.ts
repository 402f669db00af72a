/**
 * @weft/network-report: what the host knows about its network, in one
 * report — its interfaces (IPv6 first, each address with its scope), the NAT
 * per interface and family as STUN finds it (classic name, RFC 5780 mapping
 * and filtering, P2PD port allocation and delta), the ports mapped on the
 * router, reachability from AutoNAT (v1 for the host, v2 per address) and
 * TURN availability — with a `'change'` event, as text and as JSON
 * (`weft.network-report/1`, the report object itself).
 *
 * @example
 * ```ts
 * import { getNetworkReport, renderText } from '@weft/network-report'
 * const report = await getNetworkReport({ stunServers: [{ host: '198.51.100.1', port: 3478 }] })
 * process.stdout.write(renderText(report)) // or JSON.stringify(report)
 *
 * // as a host service, kept up to date:
 * const host = await createHost({ ..., services: {
 *   portMapping: portMapping(), autonat: autoNAT(),
 *   network: networkReport({ stunServers, services: () => host.services, advertise: 'confirmed' }),
 * } })
 * host.services.network.addEventListener('change', (evt) => console.log(evt.detail.parts))
 * ```
 *
 * Options: `stunServers` / `turnServers` (`{ host: IP, port }`, none by
 * default: no server is ever contacted unless named; NAT is then 'unknown'),
 * `allocationSamples` (5), `interfacePollInterval` (30 s),
 * `natRecheckInterval` (10 min), `portMapping` / `autonat` / `autonatV2`
 * (services or functions returning them) or `services` (searched by shape),
 * `advertise` ('none' | 'confirmed' | 'mapped'). Logs under
 * `weft:network-report`.
 */
export { ADVERTISE_MODES, type AdvertiseMode, addressesToAdvertise } from './advertise.js'
export * from './errors.js'
export {
  addressScope,
  compareAddresses,
  type InterfaceTable,
  MAX_ADDRESSES_PER_INTERFACE,
  MAX_INTERFACES,
  type ProbeTarget,
  probeTargets,
  readInterfaces,
} from './interfaces.js'
export { type Discover, type NatProbeOptions, type OpenClient, probeNat } from './nat-probe.js'
export { renderText } from './render.js'
export { getNetworkReport, type ReportOptions } from './report.js'
export {
  type NetworkReportComponents,
  type NetworkReportEvents,
  NetworkReportService,
  networkReport,
  type ReportChange,
} from './service.js'
export type { NetworkReportInit, SourceOption } from './settings.js'
export {
  type AddressReachabilitySource,
  findSources,
  type PortMappingSource,
  type ReachabilitySource,
  type Sources,
} from './sources.js'
export { checkTurn, type TurnCheckOptions } from './turn-check.js'
export * from './types.js'
