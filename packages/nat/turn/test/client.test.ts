/**
 * The TURN client against the fake server: the 401 / 438 dance, typed error
 * codes, refresh and permission / channel timers, indications and
 * ChannelData, forged and unknown responses ignored, close() deleting the
 * allocation and leaving no timer behind.
 */
import { createServer } from 'node:net'
import {
  encodeMessage,
  type Message,
  newTransactionId,
  TurnAttributeType,
  TurnMethod,
  xorAddressAttribute,
} from '@weft/stun'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AllocationMismatchError,
  AllocationQuotaReachedError,
  bindConnection,
  encodeChannelData,
  ForbiddenError,
  InsufficientCapacityError,
  MalformedFrameError,
  TurnClient,
  type TurnClientInit,
  TurnClosedError,
  TurnErrorResponse,
  UnauthorizedError,
  WrongCredentialsError,
} from '../src/index.js'
import { FakeTurnServer } from './fake-turn-server.js'

const PEER = { family: 4 as const, address: '127.0.0.1', port: 9_999 }
const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(
  init: Partial<TurnClientInit> = {},
  lifetime?: number,
): Promise<{ server: FakeTurnServer; client: TurnClient }> {
  const server = await FakeTurnServer.start({ users: { alice: 'secret' }, lifetime })
  const client = new TurnClient({
    server: { address: '127.0.0.1', port: server.port },
    credentials: { username: 'alice', password: 'secret' },
    rto: 50,
    maxRequests: 3,
    lastWaitMultiplier: 2,
    ...init,
  })
  cleanups.push(() => server.close())
  cleanups.push(() => client.close())
  return { server, client }
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('authentication', () => {
  it('answers 401 with the realm and nonce, signed', async () => {
    const { server, client } = await setup()
    const allocation = await client.allocate()
    expect(allocation).toMatchObject({ relayed: { address: '127.0.0.1', port: 50_000 }, lifetime: 600 })
    expect(allocation.mapped?.address).toBe('127.0.0.1')
    expect(server.received.map((r) => r.signed)).toEqual([false, true])
  })

  it('takes the new nonce of a 438 and goes again', async () => {
    const { server, client } = await setup()
    await client.allocate()
    server.nonce = 'nonce-2'
    await client.createPermission(PEER)
    expect(client.stats.staleNonces).toBe(1)
    expect(server.methods().slice(-2)).toEqual([TurnMethod.CREATE_PERMISSION, TurnMethod.CREATE_PERMISSION])
  })

  it('fails with UnauthorizedError when the password is wrong and the credentials are fixed', async () => {
    const { client } = await setup({ credentials: { username: 'alice', password: 'wrong' } })
    const err = await client.allocate().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnauthorizedError)
    expect(err).toMatchObject({ name: 'UnauthorizedError', code: 401, method: 'Allocate' })
  })

  it('asks the source again after a signed 401, on a new 5-tuple', async () => {
    const given = [
      { username: 'alice', password: 'stale' },
      { username: 'alice', password: 'secret' },
    ]
    const { server, client } = await setup({ credentials: () => given.shift()! })
    await client.allocate()
    expect(client.stats.credentialRenewals).toBe(1)
    expect(given).toHaveLength(0)
    expect(server.received.map((r) => r.signed)).toEqual([false, false, true])
  })
})

describe('error codes', () => {
  const cases: Array<[number, new (...args: never[]) => Error, string]> = [
    [437, AllocationMismatchError, 'AllocationMismatchError'],
    [441, WrongCredentialsError, 'WrongCredentialsError'],
    [486, AllocationQuotaReachedError, 'AllocationQuotaReachedError'],
    [508, InsufficientCapacityError, 'InsufficientCapacityError'],
    [403, ForbiddenError, 'ForbiddenError'],
    [420, TurnErrorResponse, 'TurnErrorResponse'],
  ]
  for (const [code, ErrorClass, name] of cases) {
    it(`${code} on Allocate is a ${name}`, async () => {
      const { server, client } = await setup()
      server.script.set(TurnMethod.ALLOCATE, [code])
      const err = await client.allocate().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ErrorClass)
      expect(err).toMatchObject({ name, code })
    })
  }

  it('a 441 on Refresh is a WrongCredentialsError and the allocation stays', async () => {
    const { server, client } = await setup()
    await client.allocate()
    server.script.set(TurnMethod.REFRESH, [441])
    await expect(client.refresh()).rejects.toBeInstanceOf(WrongCredentialsError)
    expect(client.allocation).toBeDefined()
  })
})

describe('timers', () => {
  it('refreshes the allocation before it expires', async () => {
    const { server, client } = await setup({ refreshMargin: 0.7 }, 1)
    await client.allocate()
    await sleep(600)
    expect(server.methods()).toContain(TurnMethod.REFRESH)
  })

  it('refreshes permissions and channels on their own timers', async () => {
    const { server, client } = await setup({ permissionRefresh: 100, channelRefresh: 150 })
    await client.allocate()
    await client.bindChannel(PEER)
    await sleep(400)
    const count = (method: number): number => server.methods().filter((m) => m === method).length
    expect(count(TurnMethod.CREATE_PERMISSION)).toBeGreaterThanOrEqual(3)
    expect(count(TurnMethod.CHANNEL_BIND)).toBeGreaterThanOrEqual(2)
  })

  it('close() deletes the allocation (LIFETIME 0) and leaves no timer', async () => {
    const before = timeouts()
    const { server, client } = await setup({ permissionRefresh: 100, channelRefresh: 100 })
    await client.allocate()
    await client.createPermission(PEER)
    await client.bindChannel({ ...PEER, port: 9_998 })
    expect(timeouts()).toBeGreaterThan(before)
    await client.close()
    const last = server.received.at(-1)!.message
    expect(last.method).toBe(TurnMethod.REFRESH)
    const lifetime = last.attributes.find((a) => a.type === 'other' && a.code === TurnAttributeType.LIFETIME)
    expect(lifetime?.type === 'other' && Array.from(lifetime.value)).toEqual([0, 0, 0, 0])
    const seen = server.received.length
    await sleep(300)
    expect(server.received.length).toBe(seen)
    expect(timeouts()).toBeLessThanOrEqual(before)
    expect(() => client.send(PEER, new Uint8Array(1))).toThrow(TurnClosedError)
  })
})

describe('data', () => {
  it('reports Data indications and ChannelData from bound channels, and sends both ways', async () => {
    const { server, client } = await setup()
    await client.allocate()
    await client.createPermission(PEER)
    const received: Array<{ port: number; text: string }> = []
    client.addEventListener('data', (evt) =>
      received.push({ port: evt.detail.peer.port, text: new TextDecoder().decode(evt.detail.data) }),
    )
    const to = server.received[0]!.from
    const transactionId = newTransactionId()
    server.send(
      encodeMessage({
        method: TurnMethod.DATA,
        class: 'indication',
        transactionId,
        attributes: [
          xorAddressAttribute(TurnAttributeType.XOR_PEER_ADDRESS, PEER, transactionId),
          { type: 'other', code: TurnAttributeType.DATA, value: new TextEncoder().encode('indicated') },
        ],
      }),
      to,
    )
    const channel = await client.bindChannel(PEER)
    server.send(encodeChannelData(channel, new TextEncoder().encode('channelled'), false), to)
    // a channel nobody bound is ignored
    server.send(encodeChannelData(channel + 1, new TextEncoder().encode('stray'), false), to)
    await sleep(100)
    expect(received).toEqual([
      { port: PEER.port, text: 'indicated' },
      { port: PEER.port, text: 'channelled' },
    ])
  })

  it('sends a Send indication before a channel is bound and ChannelData after', async () => {
    const { server, client } = await setup()
    await client.allocate()
    const datagrams: Uint8Array[] = []
    const probe = await FakeTurnServer.start()
    cleanups.push(() => probe.close())
    server.socket.on('message', (data) => datagrams.push(new Uint8Array(data)))
    client.send(PEER, Uint8Array.of(1, 2, 3))
    const channel = await client.bindChannel(PEER)
    client.send(PEER, Uint8Array.of(4, 5))
    await sleep(100)
    const send = datagrams.find((d) => (d[0]! & 0xc0) === 0 && ((d[0]! << 8) | d[1]!) === 0x0016)
    expect(send).toBeDefined()
    const channelData = datagrams.find((d) => (d[0]! & 0xc0) === 0x40)
    expect(channelData && Array.from(channelData)).toEqual([channel >> 8, channel & 0xff, 0, 2, 4, 5])
  })
})

describe('hostile answers', () => {
  it('ignores forged, unknown and malformed answers and takes the real one', async () => {
    const { server, client } = await setup()
    server.beforeAnswer = (request: Message, from) => {
      // the right id with a wrong key
      server.respond(request, from, [], new Uint8Array(16).fill(7))
      // an unknown transaction id
      server.respond({ ...request, transactionId: newTransactionId() }, from, [])
      // the right id, unsigned success
      server.respond(request, from, [])
      // garbage and a truncated header
      server.send(Uint8Array.of(0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42), from)
      server.send(new Uint8Array(64).fill(0xff), from)
    }
    const allocation = await client.allocate()
    expect(allocation.relayed.port).toBe(50_000)
  })

  it('over TCP, a broken frame ends the link with MalformedFrameError', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {})
      socket.once('data', () => socket.write(Uint8Array.of(0x80, 0, 0, 4, 1, 2, 3, 4)))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const client = new TurnClient({
      server: { address: '127.0.0.1', port: (server.address() as { port: number }).port },
      transport: 'tcp',
      credentials: { username: 'alice', password: 'secret' },
    })
    const closed = new Promise<Error | undefined>((resolve) =>
      client.addEventListener('close', (evt) => resolve(evt.detail.error), { once: true }),
    )
    const err = await client.allocate().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MalformedFrameError)
    expect(await closed).toBeInstanceOf(MalformedFrameError)
  })

  it('a data connection whose first bytes are not its ConnectionBind response fails typed', async () => {
    const answers: Array<Uint8Array | null> = [
      Uint8Array.of(0x80, 0, 0, 4, 1, 2, 3, 4),
      encodeMessage({
        method: TurnMethod.CONNECTION_BIND,
        class: 'success',
        transactionId: newTransactionId(),
        attributes: [],
      }),
      null,
    ]
    const server = createServer((socket) => {
      socket.on('error', () => {})
      const answer = answers.shift()
      socket.once('data', () => (answer == null ? socket.end() : socket.write(answer)))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const client = new TurnClient({
      server: { address: '127.0.0.1', port: (server.address() as { port: number }).port },
      transport: 'tcp',
      relay: 'tcp',
      credentials: { username: 'alice', password: 'secret' },
    })
    await expect(bindConnection(client, 7)).rejects.toBeInstanceOf(MalformedFrameError)
    // a success response, but to another transaction
    await expect(bindConnection(client, 7)).rejects.toBeInstanceOf(MalformedFrameError)
    await expect(bindConnection(client, 7)).rejects.toBeInstanceOf(TurnClosedError)
  })

  it('times out with the STUN schedule when the server never answers', async () => {
    const { server, client } = await setup()
    server.socket.removeAllListeners('message')
    const err = await client.allocate().catch((e: unknown) => e)
    expect((err as Error).name).toBe('TransactionTimeoutError')
  })
})
