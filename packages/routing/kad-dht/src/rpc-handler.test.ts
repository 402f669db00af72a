import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { logger, StreamReader, streamPair } from '@weft/utils'
import { MemoryDatastore } from 'datastore-core'
import { describe, expect, it } from 'vitest'
import { Message } from './message.pb.js'
import { decodeMessage, encodeMessage, readMessage } from './network.js'
import { Providers } from './providers.js'
import { RecordStore } from './record-store.js'
import { defaultValidators } from './records.js'
import { RoutingTable } from './routing-table.js'
import { RequestHandler } from './rpc-handler.js'

const newPeer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

async function setup() {
  const self = await newPeer()
  const datastore = new MemoryDatastore()
  const routingTable = new RoutingTable(self)
  const providers = new Providers({ datastore })
  const records = new RecordStore({ datastore })
  const handler = new RequestHandler({
    self,
    routingTable,
    providers,
    records,
    validators: defaultValidators(),
    addressesOf: async (peerId) => [multiaddr(`/memory/${peerId.toString()}`)],
    maxRecordSize: 1024,
    maxProvidersPerReply: 2,
    log: logger('test'),
  })
  return { self, routingTable, providers, records, handler }
}

describe('RequestHandler', () => {
  it('answers PING, and FIND_NODE with the closest known peers except the requester', async () => {
    const { routingTable, handler } = await setup()
    const peers = await Promise.all(Array.from({ length: 5 }, newPeer))
    for (const peer of peers) routingTable.add(peer)
    expect(await handler.handle(peers[0]!, { type: Message.MessageType.PING } as Message)).toEqual({
      type: Message.MessageType.PING,
    })
    const reply = await handler.handle(
      peers[0]!,
      Message.decode(
        Message.encode({ type: Message.MessageType.FIND_NODE, key: peers[1]!.toMultihash().bytes }),
      ),
    )
    const ids = reply!.closerPeers!.map((peer) => peer.id)
    expect(ids).toHaveLength(4)
    expect(ids[0]).toEqual(peers[1]!.toMultihash().bytes)
    expect(ids).not.toContainEqual(peers[0]!.toMultihash().bytes)
  })

  it('stores a valid PUT_VALUE and returns it to GET_VALUE; refuses invalid or oversized ones', async () => {
    const { handler } = await setup()
    const from = await newPeer()
    const key = await generateKeyPair('Ed25519')
    const recordKey: Uint8Array<ArrayBuffer> = new Uint8Array([
      ...new TextEncoder().encode('/pk/'),
      ...peerIdFromPrivateKey(key).toMultihash().bytes,
    ])
    const value = publicKeyToProtobuf(key.publicKey)
    const put = Message.decode(
      Message.encode({
        type: Message.MessageType.PUT_VALUE,
        key: recordKey,
        record: { key: recordKey, value: value as Uint8Array<ArrayBuffer>, timeReceived: '' },
      }),
    )
    expect((await handler.handle(from, put))?.record?.value).toEqual(value)
    const got = await handler.handle(
      from,
      Message.decode(Message.encode({ type: Message.MessageType.GET_VALUE, key: recordKey })),
    )
    expect(got?.record?.value).toEqual(value)
    expect(got?.record?.timeReceived).toMatch(/^\d{4}-\d{2}-\d{2}T/)

    const wrong = Message.decode(
      Message.encode({
        type: Message.MessageType.PUT_VALUE,
        key: recordKey,
        record: { key: recordKey, value: new Uint8Array([1, 2, 3]), timeReceived: '' },
      }),
    )
    await expect(handler.handle(from, wrong)).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidRecordError' }),
    )
    const big = Message.decode(
      Message.encode({
        type: Message.MessageType.PUT_VALUE,
        key: recordKey,
        record: { key: recordKey, value: new Uint8Array(2000), timeReceived: '' },
      }),
    )
    await expect(handler.handle(from, big)).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidMessageError' }),
    )
    const noKey = Message.decode(Message.encode({ type: Message.MessageType.GET_VALUE }))
    await expect(handler.handle(from, noKey)).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidMessageError' }),
    )
  })

  it('accepts ADD_PROVIDER only for the sender, and caps providers per reply', async () => {
    const { handler, providers } = await setup()
    const key = new Uint8Array([0x12, 0x20, ...new Uint8Array(32).fill(1)])
    const senders = await Promise.all(Array.from({ length: 3 }, newPeer))
    for (const sender of senders) {
      await handler.handle(
        sender,
        Message.decode(
          Message.encode({
            type: Message.MessageType.ADD_PROVIDER,
            key,
            providerPeers: [
              {
                id: sender.toMultihash().bytes,
                addrs: [multiaddr('/memory/x').bytes],
                connection: Message.ConnectionType.NOT_CONNECTED,
              },
            ],
          }),
        ),
      )
    }
    const impostor = await newPeer()
    await handler.handle(
      impostor,
      Message.decode(
        Message.encode({
          type: Message.MessageType.ADD_PROVIDER,
          key,
          providerPeers: [
            {
              id: (await newPeer()).toMultihash().bytes,
              addrs: [],
              connection: Message.ConnectionType.NOT_CONNECTED,
            },
          ],
        }),
      ),
    )
    expect(await providers.get(key)).toHaveLength(3)
    const reply = await handler.handle(
      impostor,
      Message.decode(Message.encode({ type: Message.MessageType.GET_PROVIDERS, key })),
    )
    expect(reply?.providerPeers).toHaveLength(2)
  })
})

describe('wire framing', () => {
  it('reads length-prefixed messages, ends cleanly between messages, and bounds their size', async () => {
    const [a, b] = streamPair()
    const reader = new StreamReader(b)
    a.send(encodeMessage({ type: Message.MessageType.PING }))
    expect((await readMessage(reader, 100))?.type).toBe(Message.MessageType.PING)
    a.send(new Uint8Array([0x7f]))
    await expect(readMessage(reader, 100)).rejects.toThrow(
      expect.objectContaining({ name: 'MessageTooLargeError' }),
    )
    const [c, d] = streamPair()
    const reader2 = new StreamReader(d)
    await c.close()
    expect(await readMessage(reader2, 100)).toBeUndefined()
  })

  it('turns malformed protobuf into InvalidMessageError', () => {
    expect(() => decodeMessage(new Uint8Array([0x0a, 0xff]))).toThrow(
      expect.objectContaining({ name: 'InvalidMessageError' }),
    )
    // more closer peers than the bound
    const many = Message.encode({
      type: Message.MessageType.FIND_NODE,
      closerPeers: Array.from({ length: 65 }, () => ({
        id: new Uint8Array([1]),
        addrs: [],
        connection: Message.ConnectionType.NOT_CONNECTED,
      })),
    })
    expect(() => decodeMessage(many)).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
  })
})
