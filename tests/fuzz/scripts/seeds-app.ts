/**
 * Seeds for port mapping (NAT-PMP, PCP, SSDP, UPnP XML), the mainline DHT
 * (bencode, KRPC), MQTT signalling, mDNS answers and the CLI daemon's HTTP
 * heads. The KRPC seeds are BEP 5's own examples.
 */
import { generateKeyPairFromSeed } from '@weft/crypto'
import { encode as bencode } from '@weft/mainline-dht'
import { createSignal, encodeBody, encodeSealed, encodeSigned } from '@weft/mqtt-signalling'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { pcpCodec } from '@weft/port-mapping'
import { SIGNAL_NOW } from '../test/support/fixed-keys.js'
import { ADDRESSES, type Seeds } from './seeds-core.js'

const text = new TextEncoder()
const lines = (...parts: string[]) => text.encode(parts.join('\r\n'))

const DEVICE_XML = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<URLBase>http://192.168.1.1:5000/</URLBase>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>router</friendlyName>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL>
<eventSubURL>/evt/IPConn</eventSubURL><SCPDURL>/WANIPCn.xml</SCPDURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>`

const SOAP_ANSWER = `<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<s:Body><u:GetExternalIPAddressResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">
<NewExternalIPAddress>203.0.113.7</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>`

const SOAP_FAULT = `<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode>
<faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0">
<errorCode>718</errorCode><errorDescription>ConflictInMappingEntry</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>`

/** A PCP MAP answer (RFC 6887 §7.2, §11.1) built from a request: R bit set, result SUCCESS, epoch 1000. */
function pcpAnswer(): Uint8Array {
  const answer = pcpCodec.encodeMapRequest({
    nonce: new Uint8Array(12).fill(1),
    protocol: 'udp',
    internalPort: 4001,
    suggestedExternalPort: 4001,
    suggestedExternalAddress: '',
    lifetime: 7200,
    clientAddress: '192.168.1.20',
  })
  answer[1] = 0x80 | 1
  answer.fill(0, 8, 24)
  new DataView(answer.buffer).setUint32(8, 1000)
  answer.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 7], 44)
  return answer
}

export async function appSeeds(): Promise<Seeds> {
  const sender = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(7))
  const recipient = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(8))
  const signal = createSignal({
    from: peerIdFromPrivateKey(sender),
    privateKey: sender,
    to: peerIdFromPrivateKey(recipient),
    message: { type: '/weft/dial-back', payload: ADDRESSES[0]! },
    expiry: SIGNAL_NOW + 60_000,
    nonce: new Uint8Array(16).fill(3),
  })
  const senderId = peerIdFromPrivateKey(sender)
  const body = encodeBody({
    from: senderId.toMultihash().bytes,
    to: peerIdFromPrivateKey(recipient).toMultihash().bytes,
    type: '/weft/find-peer',
    payload: new Uint8Array(0),
    expiry: SIGNAL_NOW + 60_000,
    nonce: new Uint8Array(16).fill(4),
  })
  return {
    'nat-pmp-external-address': {
      note: 'NAT-PMP external address answers (RFC 6886 §3.2): success and a refusal',
      seeds: [
        Uint8Array.of(0, 128, 0, 0, 0, 0, 3, 232, 203, 0, 113, 7),
        Uint8Array.of(0, 128, 0, 2, 0, 0, 3, 232),
      ],
    },
    'nat-pmp-map': {
      note: 'NAT-PMP UDP mapping answers (RFC 6886 §3.3)',
      seeds: [Uint8Array.of(0, 129, 0, 0, 0, 0, 3, 232, 0x0f, 0xa1, 0x0f, 0xa1, 0, 0, 0x1c, 0x20)],
    },
    pcp: { note: 'a PCP MAP answer (RFC 6887)', seeds: [pcpAnswer()] },
    ssdp: {
      note: 'SSDP answers to an M-SEARCH (UPnP Device Architecture 1.1 §1.3.3)',
      seeds: [
        lines(
          'HTTP/1.1 200 OK',
          'CACHE-CONTROL: max-age=120',
          'ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1',
          'USN: uuid:1234::urn:schemas-upnp-org:device:InternetGatewayDevice:1',
          'LOCATION: http://192.168.1.1:5000/rootDesc.xml',
          'SERVER: router UPnP/1.1',
          '',
          '',
        ),
      ],
    },
    'upnp-device': { note: 'a UPnP IGD device description (UTF-8 XML)', seeds: [text.encode(DEVICE_XML)] },
    'upnp-soap': {
      note: 'SOAP answers: GetExternalIPAddress and a UPnPError fault',
      seeds: [text.encode(SOAP_ANSWER), text.encode(SOAP_FAULT)],
    },
    bencode: {
      note: 'bencoded values (BEP 3)',
      seeds: [
        bencode({ a: 1, b: 'text', c: [1, 2, [new Uint8Array(3)]], d: { e: -5 } }),
        text.encode('l4:spami42ee'),
        text.encode('d3:cow3:moo4:spam4:eggse'),
      ],
    },
    krpc: {
      note: 'KRPC messages from BEP 5: ping, find_node, get_peers response, announce_peer, error',
      seeds: [
        text.encode('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe'),
        text.encode('d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re'),
        text.encode(
          'd1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe',
        ),
        text.encode(
          'd1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re',
        ),
        text.encode(
          'd1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe',
        ),
        text.encode('d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee'),
        bencode({
          r: {
            id: new Uint8Array(20).fill(1),
            nodes: Uint8Array.from([...new Uint8Array(20).fill(2), 1, 2, 3, 4, 0x1a, 0xe1]),
          },
          t: 'bb',
          y: 'r',
        }),
      ],
    },
    'mqtt-signal': {
      note: 'a sealed, signed signalling message to the fixed recipient (random ephemeral key)',
      seeds: [signal.bytes],
    },
    'mqtt-sealed': {
      note: 'Sealed envelopes',
      seeds: [
        signal.bytes,
        encodeSealed({
          version: 1,
          ephemeralKey: new Uint8Array(32).fill(5),
          ciphertext: new Uint8Array(40).fill(6),
        }),
      ],
    },
    'mqtt-signed': {
      note: 'Signed envelopes',
      seeds: [
        encodeSigned({ body, publicKey: new Uint8Array(36).fill(7), signature: new Uint8Array(64).fill(8) }),
      ],
    },
    'mqtt-body': { note: 'message bodies', seeds: [body] },
    'mqtt-address-list': {
      note: 'address lists (dial-back payloads)',
      seeds: [Uint8Array.from(ADDRESSES.flatMap((a) => [0x0a, a.byteLength, ...a]))],
    },
    mdns: {
      note: 'TXT strings of an mDNS answer, NUL-separated (the target builds the DNS records around them)',
      seeds: [
        text.encode(
          `dnsaddr=/ip4/192.168.1.5/tcp/4001/p2p/${senderId.toString()}\u0000dnsaddr=/ip6/fe80::1/udp/4001/quic-v1/p2p/${senderId.toString()}`,
        ),
      ],
    },
    'cli-http': {
      note: 'request heads the CLI daemon reads before handing a connection on (up to the blank line)',
      seeds: [
        lines('GET /tunnel/chat HTTP/1.1', 'Host: 127.0.0.1:5001', 'Authorization: Bearer abc'),
        lines(
          'POST /api/v0/p2p/pipe/x HTTP/1.0',
          'Host: localhost',
          'Origin: http://localhost:5001',
          'Cookie: a=b; weft-token=abc',
        ),
        lines('GET /v3/info/peer HTTP/1.1', 'host: [::1]:5001'),
      ],
    },
  }
}
