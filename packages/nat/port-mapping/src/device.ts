/**
 * The IGD device description (UPnP Device Architecture §2.3): the services of
 * the root device and its embedded devices, with control URLs resolved
 * against URLBase or the description's own location. A control URL must stay
 * on the description's host and port (no redirection to another machine).
 */
import { InvalidResponseError } from './errors.js'
import { child, children, parseXml, textOf, type XmlLimits, type XmlNode } from './xml.js'

export const WAN_IP_CONNECTION_2 = 'urn:schemas-upnp-org:service:WANIPConnection:2'
export const WAN_IP_CONNECTION_1 = 'urn:schemas-upnp-org:service:WANIPConnection:1'
export const WAN_PPP_CONNECTION_1 = 'urn:schemas-upnp-org:service:WANPPPConnection:1'
export const WAN_IPV6_FIREWALL_CONTROL_1 = 'urn:schemas-upnp-org:service:WANIPv6FirewallControl:1'

/** The WAN connection services, most capable first. */
export const CONNECTION_SERVICES = [WAN_IP_CONNECTION_2, WAN_IP_CONNECTION_1, WAN_PPP_CONNECTION_1] as const

export interface ServiceEntry {
  serviceType: string
  controlUrl: URL
}

export interface DeviceDescription {
  deviceType: string
  services: ServiceEntry[]
}

/** Devices visited at most; a description with more is cut there. */
const MAX_DEVICES = 32

export function parseDeviceDescription(xml: string, location: URL, limits?: XmlLimits): DeviceDescription {
  const root = child(parseXml(xml, limits), 'root')
  const device = child(root, 'device')
  if (device == null) throw new InvalidResponseError(`the description at ${location.href} has no root device`)
  const baseText = textOf(root, 'URLBase')
  let base = location
  if (baseText != null && baseText !== '') {
    try {
      base = new URL(baseText)
    } catch {
      throw new InvalidResponseError(`the description's URLBase ${JSON.stringify(baseText)} is no URL`)
    }
  }
  const services: ServiceEntry[] = []
  const queue: XmlNode[] = [device]
  let visited = 0
  while (queue.length > 0 && visited++ < MAX_DEVICES) {
    const current = queue.shift()!
    for (const service of children(child(current, 'serviceList'), 'service')) {
      const serviceType = textOf(service, 'serviceType')
      const controlText = textOf(service, 'controlURL')
      if (serviceType == null || controlText == null || controlText === '') continue
      let controlUrl: URL
      try {
        controlUrl = new URL(controlText, base)
      } catch {
        continue
      }
      if (controlUrl.protocol !== 'http:' || controlUrl.host !== location.host) continue
      services.push({ serviceType, controlUrl })
    }
    queue.push(...children(child(current, 'deviceList'), 'device'))
  }
  return { deviceType: textOf(device, 'deviceType') ?? '', services }
}

/** The best WAN connection service of a description, if any. */
export function connectionService(description: DeviceDescription): ServiceEntry | undefined {
  for (const type of CONNECTION_SERVICES) {
    const found = description.services.find((service) => service.serviceType === type)
    if (found != null) return found
  }
  return undefined
}

/** The WANIPv6FirewallControl:1 service of a description, if any. */
export function firewallService(description: DeviceDescription): ServiceEntry | undefined {
  return description.services.find((service) => service.serviceType === WAN_IPV6_FIREWALL_CONTROL_1)
}
