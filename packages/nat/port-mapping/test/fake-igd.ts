/**
 * A fake UPnP IGD on loopback for unit tests: an SSDP responder (unicast UDP
 * on 127.0.0.1) and an HTTP server with the device description and SOAP
 * control of WANIPConnection (v1 or v2) and WANIPv6FirewallControl:1.
 */
import { createSocket, type Socket } from 'node:dgram'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeIgdInit {
  version: 1 | 2
  externalAddress?: string
  /** external ports that answer 718 ConflictInMappingEntry */
  conflicts?: number[]
  /** answer 725 to any lease other than 0 */
  onlyPermanentLeases?: boolean
  /** replaces the description served */
  description?: string
  /** replaces every SOAP answer */
  soapAnswer?: string
}

export interface FakeCall {
  path: string
  soapAction: string
  action: string
  args: Record<string, string>
}

export class FakeIgd {
  readonly mappings = new Map<string, { internalClient: string; internalPort: number; lease: number }>()
  readonly pinholes = new Map<number, { client: string; port: number; protocol: string; lease: number }>()
  readonly calls: FakeCall[] = []
  readonly searches: string[] = []
  private nextPinhole = 1
  private constructor(
    private readonly init: FakeIgdInit,
    private readonly http: Server,
    readonly ssdp: Socket,
  ) {}

  static async start(init: FakeIgdInit): Promise<FakeIgd> {
    const http = createServer()
    const ssdp = createSocket('udp4')
    const igd = new FakeIgd(init, http, ssdp)
    http.on('request', (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        if (req.method === 'GET' && req.url === '/rootDesc.xml') {
          res.writeHead(200, { 'content-type': 'text/xml' })
          res.end(init.description ?? igd.descriptionXml())
          return
        }
        const body = Buffer.concat(chunks).toString()
        const soapAction = String(req.headers.soapaction ?? '')
        const action = soapAction.replace(/^"|"$/g, '').split('#')[1] ?? ''
        const args: Record<string, string> = {}
        for (const match of body.matchAll(/<(New\w+|\w+)>([^<]*)<\/\1>/g)) args[match[1]!] = match[2]!
        igd.calls.push({ path: req.url ?? '', soapAction, action, args })
        const [status, xml] =
          init.soapAnswer != null ? [200, init.soapAnswer] : igd.answer(req.url ?? '', action, args)
        res.writeHead(status, { 'content-type': 'text/xml' })
        res.end(xml)
      })
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    ssdp.on('message', (message, from) => {
      const text = message.toString()
      const st = /\r\nST: ([^\r]+)/i.exec(text)?.[1] ?? ''
      igd.searches.push(st)
      const deviceType = `urn:schemas-upnp-org:device:InternetGatewayDevice:${init.version}`
      const serviceType = `urn:schemas-upnp-org:service:WANIPConnection:${init.version}`
      if (st !== deviceType && st !== serviceType && st !== 'ssdp:all') return
      const answer = [
        'HTTP/1.1 200 OK',
        'CACHE-CONTROL: max-age=120',
        `ST: ${st}`,
        `USN: uuid:fake::${st}`,
        `LOCATION: ${igd.location}`,
        'SERVER: fake/1 UPnP/1.1 fake/1',
        '',
        '',
      ].join('\r\n')
      ssdp.send(answer, from.port, from.address)
    })
    await new Promise<void>((resolve) => ssdp.bind(0, '127.0.0.1', resolve))
    return igd
  }

  get httpPort(): number {
    return (this.http.address() as AddressInfo).port
  }

  get ssdpPort(): number {
    return this.ssdp.address().port
  }

  get location(): string {
    return `http://127.0.0.1:${this.httpPort}/rootDesc.xml`
  }

  async stop(): Promise<void> {
    this.ssdp.close()
    this.http.closeAllConnections()
    await new Promise<void>((resolve) => this.http.close(() => resolve()))
  }

  descriptionXml(): string {
    const v = this.init.version
    return `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
 <specVersion><major>1</major><minor>1</minor></specVersion>
 <device>
  <deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:${v}</deviceType>
  <serviceList><service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType><controlURL>/ctl/L3F</controlURL></service></serviceList>
  <deviceList>
   <device>
    <deviceType>urn:schemas-upnp-org:device:WANDevice:${v}</deviceType>
    <deviceList>
     <device>
      <deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:${v}</deviceType>
      <serviceList>
       <service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:${v}</serviceType><serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL></service>
       <service><serviceType>urn:schemas-upnp-org:service:WANIPv6FirewallControl:1</serviceType><serviceId>urn:upnp-org:serviceId:WANIPv6Firewall1</serviceId><controlURL>/ctl/IP6FCtl</controlURL></service>
      </serviceList>
     </device>
    </deviceList>
   </device>
  </deviceList>
 </device>
</root>`
  }

  private answer(path: string, action: string, args: Record<string, string>): [number, string] {
    const ok = (service: string, out: Record<string, string | number> = {}): [number, string] => [
      200,
      envelope(
        `<u:${action}Response xmlns:u="${service}">${Object.entries(out)
          .map(([k, v]) => `<${k}>${v}</${k}>`)
          .join('')}</u:${action}Response>`,
      ),
    ]
    const fault = (code: number, description: string): [number, string] => [
      500,
      envelope(
        `<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>${description}</errorDescription></UPnPError></detail></s:Fault>`,
      ),
    ]
    const ipService = `urn:schemas-upnp-org:service:WANIPConnection:${this.init.version}`
    const fwService = 'urn:schemas-upnp-org:service:WANIPv6FirewallControl:1'
    if (path === '/ctl/IP6FCtl') {
      switch (action) {
        case 'GetFirewallStatus':
          return ok(fwService, { FirewallEnabled: 1, InboundPinholeAllowed: 1 })
        case 'AddPinhole': {
          const id = this.nextPinhole++
          this.pinholes.set(id, {
            client: args.InternalClient!,
            port: Number(args.InternalPort),
            protocol: args.Protocol!,
            lease: Number(args.LeaseTime),
          })
          return ok(fwService, { UniqueID: id })
        }
        case 'UpdatePinhole': {
          const pinhole = this.pinholes.get(Number(args.UniqueID))
          if (pinhole == null) return fault(704, 'NoSuchEntry')
          pinhole.lease = Number(args.NewLeaseTime)
          return ok(fwService)
        }
        case 'DeletePinhole':
          return this.pinholes.delete(Number(args.UniqueID)) ? ok(fwService) : fault(704, 'NoSuchEntry')
        default:
          return fault(401, 'Invalid Action')
      }
    }
    if (path !== '/ctl/IPConn') return fault(401, 'Invalid Action')
    const key = `${args.NewProtocol}/${args.NewExternalPort}`
    const add = (port: number): [number, string] | undefined => {
      if (this.init.onlyPermanentLeases === true && args.NewLeaseDuration !== '0')
        return fault(725, 'OnlyPermanentLeasesSupported')
      if (this.init.conflicts?.includes(port) === true) return fault(718, 'ConflictInMappingEntry')
      this.mappings.set(`${args.NewProtocol}/${port}`, {
        internalClient: args.NewInternalClient!,
        internalPort: Number(args.NewInternalPort),
        lease: Number(args.NewLeaseDuration),
      })
      return undefined
    }
    switch (action) {
      case 'GetExternalIPAddress':
        return ok(ipService, { NewExternalIPAddress: this.init.externalAddress ?? '203.0.113.7' })
      case 'AddPortMapping':
        return add(Number(args.NewExternalPort)) ?? ok(ipService)
      case 'AddAnyPortMapping': {
        if (this.init.version !== 2) return fault(401, 'Invalid Action')
        let port = Number(args.NewExternalPort)
        while (this.init.conflicts?.includes(port) === true) port++
        return add(port) ?? ok(ipService, { NewReservedPort: port })
      }
      case 'DeletePortMapping':
        return this.mappings.delete(key) ? ok(ipService) : fault(714, 'NoSuchEntryInArray')
      case 'GetSpecificPortMappingEntry': {
        const entry = this.mappings.get(key)
        if (entry == null) return fault(714, 'NoSuchEntryInArray')
        return ok(ipService, {
          NewInternalPort: entry.internalPort,
          NewInternalClient: entry.internalClient,
          NewEnabled: 1,
          NewPortMappingDescription: 'weft',
          NewLeaseDuration: entry.lease,
        })
      }
      default:
        return fault(401, 'Invalid Action')
    }
  }
}

function envelope(body: string): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>${body}</s:Body></s:Envelope>`
}
