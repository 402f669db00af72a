/**
 * Seeds for the targets whose valid encodings need keys or weft's encoders:
 * keys, peer ids, signed envelopes and peer records, noise, multistream and
 * the protobuf protocols. Keys come from fixed seeds, so every run writes the
 * same bytes.
 */

import {
  Message as AutoNATMessage,
  DialBack,
  DialBackResponse,
  DialResponse,
  DialStatus,
  MessageV2,
} from '@weft/autonat'
import { HopMessage, Status, StopMessage } from '@weft/circuit-relay'
import { generateKeyPairFromSeed, publicKeyToProtobuf } from '@weft/crypto'
import { HolePunch } from '@weft/dcutr'
import { encodeIdentify } from '@weft/identify'
import { Message as KadMessage } from '@weft/kad-dht'
import { nodeCrypto } from '@weft/noise'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { RPC } from '@weft/pubsub'
import { RecordEnvelope } from '@weft/record'
import { Message as RendezvousMessage } from '@weft/rendezvous'
import { generateCertificate } from '@weft/tls'
import { encodeList, encodeMessages } from '../../../packages/core/multistream/src/codec.js'
import { CipherState } from '../../../packages/security/noise/src/cipher-state.js'
import { encryptFrames } from '../../../packages/security/noise/src/frames.js'
import { HandshakeState } from '../../../packages/security/noise/src/handshake-state.js'
import { encodePayload } from '../../../packages/security/noise/src/payload.js'
import { CERTIFICATE_NOW, FRAME_KEY, handshakeKeys } from '../test/support/fixed-keys.js'

export type Seeds = Record<string, { note: string; seeds: Uint8Array[] }>

const text = new TextEncoder()
/** /ip4/127.0.0.1/tcp/4001, /ip4/1.2.3.4/udp/4001/quic-v1, /ip6/::1/tcp/4001 */
export const ADDRESSES = [
  Uint8Array.from([0x04, 127, 0, 0, 1, 0x06, 0x0f, 0xa1]),
  Uint8Array.from([0x04, 1, 2, 3, 4, 0x91, 0x02, 0x0f, 0xa1, 0xcc, 0x03]),
  Uint8Array.from([0x29, ...new Uint8Array(15), 1, 0x06, 0x0f, 0xa1]),
]

/** A peer record payload (RFC 0003) written field by field: peer_id, seq, addresses. */
function peerRecordPayload(peerId: Uint8Array, seq: number, addresses: Uint8Array[]): Uint8Array {
  const parts: number[] = [0x0a, peerId.byteLength, ...peerId, 0x10, seq]
  for (const address of addresses)
    parts.push(0x1a, address.byteLength + 2, 0x0a, address.byteLength, ...address)
  return Uint8Array.from(parts)
}

export async function coreSeeds(): Promise<Seeds> {
  const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(7))
  const peerId = peerIdFromPublicKey(key.publicKey)
  const idBytes = peerId.toMultihash().bytes
  const record = peerRecordPayload(idBytes, 42, ADDRESSES)
  const envelope = await RecordEnvelope.seal(
    {
      domain: 'libp2p-peer-record',
      codec: Uint8Array.from([0x03, 0x01]),
      marshal: () => record,
      equals: () => false,
    },
    key,
  )
  const signedRecord = envelope.marshal()
  const publicKey = publicKeyToProtobuf(key.publicKey)
  const signature = new Uint8Array(64).fill(0x5a)
  return {
    'crypto-public-key': { note: 'a PublicKey protobuf (peer-ids spec)', seeds: [publicKey] },
    'tls-certificate': {
      note: 'a libp2p TLS certificate (tls spec), valid from the fixed clock CERTIFICATE_NOW',
      seeds: [(await generateCertificate(key, new Date(CERTIFICATE_NOW))).certificate],
    },
    multiaddr: {
      note: 'binary multiaddrs: tcp, quic-v1, ip6, and dns4/tcp/tls/ws with a /p2p/ peer id',
      seeds: [
        ...ADDRESSES,
        Uint8Array.from([
          0x36,
          11,
          ...text.encode('example.com'),
          0x06,
          0x01,
          0xbb,
          0xc0,
          0x03,
          0xdd,
          0x03,
          0xa5,
          0x03,
          idBytes.byteLength,
          ...idBytes,
        ]),
      ],
    },
    'peer-id-bytes': { note: 'peer id multihashes', seeds: [idBytes] },
    'peer-id-string': {
      note: 'peer id text (UTF-8): base58btc multihash and CIDv1',
      seeds: [text.encode(peerId.toString()), text.encode(peerId.toCID().toString())],
    },
    'peer-record': {
      note: 'PeerRecord payloads (RFC 0003)',
      seeds: [record, peerRecordPayload(idBytes, 1, [])],
    },
    envelope: { note: 'signed envelopes holding a peer record (RFC 0002)', seeds: [signedRecord] },
    multistream: {
      note: 'multistream-select messages and an ls answer',
      seeds: [
        encodeMessages(['/multistream/1.0.0', '/yamux/1.0.0']),
        encodeMessages(['na']),
        encodeMessages(['ls']),
        encodeList(['/noise', '/yamux/1.0.0', '/ipfs/id/1.0.0']),
      ],
    },
    'noise-payload': {
      note: 'NoiseHandshakePayload protobufs',
      seeds: [
        encodePayload({ identityKey: publicKey, identitySig: signature }),
        encodePayload({
          identityKey: publicKey,
          identitySig: signature,
          extensions: {
            webtransportCerthashes: [new Uint8Array(34).fill(1)],
            streamMuxers: ['/yamux/1.0.0'],
          },
        }),
      ],
    },
    ...noiseHandshakeSeeds(encodePayload({ identityKey: publicKey, identitySig: signature })),
    'noise-frames': {
      note: 'noise transport frames under the fixed test key',
      seeds: [
        encryptFrames(new CipherState(nodeCrypto, FRAME_KEY), text.encode('hello')).subarray(),
        encryptFrames(new CipherState(nodeCrypto, FRAME_KEY), new Uint8Array(600).fill(3)).subarray(),
      ],
    },
    ...protobufSeeds(Uint8Array.from(idBytes), Uint8Array.from(signedRecord)),
  }
}

/** Messages B and C of a Noise XX handshake between the fixed key pairs. */
function noiseHandshakeSeeds(payload: Uint8Array): Seeds {
  const start = (): { initiator: HandshakeState; responder: HandshakeState } => {
    const keys = handshakeKeys()
    const initiator = new HandshakeState({ crypto: nodeCrypto, initiator: true, ...keys.initiator })
    const responder = new HandshakeState({ crypto: nodeCrypto, initiator: false, ...keys.responder })
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)))
    return { initiator, responder }
  }
  const first = start()
  const messageB = first.responder.writeMessage(payload)
  // the noise-handshake-c target's responder sends an empty payload in B: C must follow that transcript
  const second = start()
  second.initiator.readMessage(second.responder.writeMessage(new Uint8Array(0)))
  const messageC = second.initiator.writeMessage(payload)
  return {
    'noise-handshake-b': {
      note: 'handshake message B (<- e, ee, s, es) from the fixed responder',
      seeds: [messageB],
    },
    'noise-handshake-c': {
      note: 'handshake message C (-> s, se) from the fixed initiator',
      seeds: [messageC],
    },
  }
}

function protobufSeeds(idBytes: Uint8Array<ArrayBuffer>, signedRecord: Uint8Array<ArrayBuffer>): Seeds {
  const peer = { id: idBytes, addrs: ADDRESSES }
  return {
    identify: {
      note: 'Identify messages (identify spec)',
      seeds: [
        encodeIdentify({
          protocolVersion: 'ipfs/0.1.0',
          agentVersion: 'weft/0.1.0',
          listenAddrs: ADDRESSES,
          observedAddr: ADDRESSES[0]!,
          protocols: ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'],
          signedPeerRecord: signedRecord,
        }),
      ],
    },
    kad: {
      note: 'kad-dht Message protobufs',
      seeds: [
        KadMessage.encode({
          type: KadMessage.MessageType.FIND_NODE,
          clusterLevelRaw: 0,
          key: idBytes,
          closerPeers: [{ ...peer, connection: KadMessage.ConnectionType.CONNECTED }],
          providerPeers: [],
        }),
        KadMessage.encode({
          type: KadMessage.MessageType.PUT_VALUE,
          clusterLevelRaw: 0,
          key: text.encode('/pk/key'),
          record: {
            key: text.encode('/pk/key'),
            value: new Uint8Array(40).fill(2),
            timeReceived: '2026-01-01T00:00:00Z',
          },
          closerPeers: [],
          providerPeers: [],
        }),
      ],
    },
    'gossipsub-rpc': {
      note: 'pubsub RPC protobufs: subscriptions, a signed-looking message, control',
      seeds: [
        RPC.encode({
          subscriptions: [{ subscribe: true, topic: 'chat' }],
          messages: [
            {
              from: idBytes,
              data: text.encode('hi'),
              seqno: new Uint8Array(8).fill(1),
              topic: 'chat',
              signature: new Uint8Array(64),
              key: undefined,
            },
          ],
          control: {
            ihave: [{ topicID: 'chat', messageIDs: [new Uint8Array(20).fill(4)] }],
            iwant: [{ messageIDs: [new Uint8Array(20).fill(4)] }],
            graft: [{ topicID: 'chat' }],
            prune: [
              { topicID: 'chat', peers: [{ peerID: idBytes, signedPeerRecord: signedRecord }], backoff: 60 },
            ],
            idontwant: [{ messageIDs: [new Uint8Array(20).fill(5)] }],
          },
        }),
      ],
    },
    'relay-hop': {
      note: 'circuit relay v2 HopMessages',
      seeds: [
        HopMessage.encode({ type: HopMessage.Type.RESERVE }),
        HopMessage.encode({ type: HopMessage.Type.CONNECT, peer }),
        HopMessage.encode({
          type: HopMessage.Type.STATUS,
          status: Status.OK,
          reservation: { expire: 1_800_000_000n, addrs: ADDRESSES, voucher: signedRecord },
          limit: { duration: 120, data: 131072n },
        }),
      ],
    },
    'relay-stop': {
      note: 'circuit relay v2 StopMessages',
      seeds: [
        StopMessage.encode({ type: StopMessage.Type.CONNECT, peer, limit: { duration: 120, data: 131072n } }),
        StopMessage.encode({ type: StopMessage.Type.STATUS, status: Status.OK }),
      ],
    },
    'autonat-v1': {
      note: 'AutoNAT v1 messages',
      seeds: [
        AutoNATMessage.encode({ type: AutoNATMessage.MessageType.DIAL, dial: { peer } }),
        AutoNATMessage.encode({
          type: AutoNATMessage.MessageType.DIAL_RESPONSE,
          dialResponse: { status: AutoNATMessage.ResponseStatus.OK, statusText: 'ok', addr: ADDRESSES[1]! },
        }),
      ],
    },
    'autonat-v2': {
      note: 'AutoNAT v2 messages',
      seeds: [
        MessageV2.encode({ dialRequest: { addrs: ADDRESSES, nonce: 0x0102030405060708n } }),
        MessageV2.encode({ dialDataRequest: { addrIdx: 1, numBytes: 40000n } }),
        MessageV2.encode({
          dialResponse: { status: DialResponse.ResponseStatus.OK, addrIdx: 0, dialStatus: DialStatus.OK },
        }),
        MessageV2.encode({ dialDataResponse: { data: new Uint8Array(100) } }),
      ],
    },
    'autonat-v2-dial-back': {
      note: 'AutoNAT v2 DialBack',
      seeds: [DialBack.encode({ nonce: 0x0102030405060708n })],
    },
    'autonat-v2-dial-back-response': {
      // OK is the proto3 default, so the encoder writes nothing: 0800 spells the field out
      note: 'AutoNAT v2 DialBackResponse: status OK with the field present',
      seeds: [
        Uint8Array.of(0x08, 0x00),
        DialBackResponse.encode({ status: DialBackResponse.DialBackStatus.OK }),
      ],
    },
    dcutr: {
      note: 'DCUtR HolePunch messages',
      seeds: [
        HolePunch.encode({ type: HolePunch.Type.CONNECT, ObsAddrs: ADDRESSES }),
        HolePunch.encode({ type: HolePunch.Type.SYNC, ObsAddrs: [] }),
      ],
    },
    rendezvous: {
      note: 'rendezvous Messages',
      seeds: [
        RendezvousMessage.encode({
          type: RendezvousMessage.MessageType.REGISTER,
          register: { ns: 'weft', signedPeerRecord: signedRecord, ttl: 7200n },
        }),
        RendezvousMessage.encode({
          type: RendezvousMessage.MessageType.DISCOVER,
          discover: { ns: 'weft', limit: 10n, cookie: new Uint8Array(12) },
        }),
        RendezvousMessage.encode({
          type: RendezvousMessage.MessageType.DISCOVER_RESPONSE,
          discoverResponse: {
            registrations: [{ ns: 'weft', signedPeerRecord: signedRecord, ttl: 7200n }],
            cookie: new Uint8Array(12),
            status: RendezvousMessage.ResponseStatus.OK,
            statusText: '',
          },
        }),
      ],
    },
  }
}
