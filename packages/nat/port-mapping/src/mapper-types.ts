/** The port mapper's public shapes: its options, a mapping request and its result, its events. */
import type { Logger } from '@libp2p/interface'
import type { MappingProtocol } from './backends.js'
import type { IgdInit, TransportProtocol } from './igd.js'
import type { NatPmpInit } from './nat-pmp.js'
import type { PcpInit } from './pcp.js'
import type { SsdpSearchInit } from './ssdp.js'

export interface PortMapperInit {
  /** protocols tried in this order (default ['upnp', 'pcp', 'nat-pmp']) */
  protocols?: MappingProtocol[]
  /** lease asked for, seconds (default 3 600) */
  lifetime?: number
  /** the mapping description UPnP shows (default 'weft') */
  description?: string
  /** the NAT-PMP/PCP gateway (default the IPv4 default route's gateway) */
  gateway?: string
  /** the address mapped to (default the local address facing the gateway) */
  internalAddress?: string
  /** SSDP search options (target address, timeouts, limits) */
  ssdp?: SsdpSearchInit
  /** UPnP options (timeouts, XML limits, 718 retries) */
  igd?: IgdInit
  natPmp?: Omit<NatPmpInit, 'gateway'>
  pcp?: Omit<PcpInit, 'gateway'>
  /** accept a gateway whose external address is private (default false: `DoubleNatError`) */
  allowDoubleNat?: boolean
  /** mappings and pinholes held at once (default 64) */
  maxMappings?: number
  /** ms before a failed renewal is tried again (default 5 000; never past the lease) */
  retryInterval?: number
  /** the logger (default `weft:port-mapping`) */
  log?: Logger
}

export interface MapRequest {
  protocol: TransportProtocol
  internalPort: number
  /** the external port wished for (default the internal port) */
  externalPort?: number
}

export interface Mapping {
  protocol: TransportProtocol
  internalAddress: string
  internalPort: number
  externalAddress: string
  externalPort: number
  /** seconds granted (0: permanent) */
  lifetime: number
  /** ms since the epoch the lease ends (Infinity when permanent) */
  expiresAt: number
  via: MappingProtocol
}

export interface PortMapperEvents {
  /** a mapping was made, or a renewal changed it */
  mapping: CustomEvent<Mapping>
  /** a mapping was lost (its renewals failed until it expired) */
  'mapping:lost': CustomEvent<Mapping>
  /** the gateway restarted; every mapping is being made again */
  'gateway:restart': CustomEvent<MappingProtocol>
  /** the gateway's external address is private */
  'double-nat': CustomEvent<string>
}
