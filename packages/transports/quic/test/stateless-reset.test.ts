/**
 * Stateless reset end to end (RFC 9000 §10.3): a server that lost a
 * connection's state answers the client's next packet with a reset, and the
 * client closes at once instead of waiting for its idle timeout; a reset
 * arriving on the connection's own route closes it too; a datagram that only
 * looks like one does not.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { encodeStatelessReset } from '../src/connection/stateless-reset.js'
import { connectionPair, established } from './connection-pair.js'
import { closeAll, dial, ended, type Listener, listener } from './hostile-peer.js'

afterEach(closeAll)

async function connected(server: Listener) {
  const accepted = server.next()
  const peer = await dial(server.port, { maxIdleTimeout: 20_000 })
  return { peer, accepted: await accepted }
}

describe('stateless reset', () => {
  it('a server that lost the connection resets the client, which closes long before its idle timeout', async () => {
    const server = await listener({ maxIdleTimeout: 20_000 })
    const { peer, accepted } = await connected(server)
    // the server forgets the connection without a CONNECTION_CLOSE, as after a crash of its state
    const peerEnded = ended(peer)
    const started = Date.now()
    accepted.connection.finish()
    await accepted.closed
    // its IDs stay routed (to nothing) for three PTOs (3 s at most), then packets to them are
    // unknown: the client PINGs until one is answered with a reset
    for (let i = 0; i < 50 && !peer.closed; i++) {
      peer.pingPending = true
      peer.flushNow()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const err = await peerEnded
    expect(err?.message).toMatch(/stateless reset/)
    // the idle timeout is 20 s
    expect(Date.now() - started).toBeLessThan(5_000)
    // and the listener still serves a new client
    const next = await connected(server)
    expect(next.peer.closed).toBe(false)
  })

  it('a reset is honoured also when it reaches the connection through its route; a wrong token is dropped', async () => {
    const { client, serverPromise } = await connectionPair()
    client.start()
    const server = await serverPromise
    await Promise.all([established(client), established(server)])
    const token = client.peerConnectionIds.tokenInUse as Uint8Array
    expect(token).toHaveLength(16)
    const closed = new Promise<Error | undefined>((resolve) => {
      client.events.closed = resolve
    })
    // a look-alike whose last bytes are not the token: dropped as undecryptable
    const wrong = encodeStatelessReset(new Uint8Array(16).fill(7), 100) as Uint8Array
    wrong.set(client.dcid, 1)
    client.receive(wrong)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(client.closed).toBe(false)
    // the real one, carrying the route's ID so it reaches this connection
    const reset = encodeStatelessReset(token, 100) as Uint8Array
    reset.set(client.dcid, 1)
    client.receive(reset)
    expect((await closed)?.message).toMatch(/stateless reset/)
    server.close()
  })
})
