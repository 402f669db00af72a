import { serviceCapabilities, serviceDependencies, type Transport } from '@libp2p/interface'
import { memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { UnmetServiceDependenciesError } from '../src/errors.js'
import { createHost, type Host, type HostInit } from '../src/host.js'

const hosts: Host[] = []
let nextName = 0

function listenAddress(): string {
  return `/memory/service-dependencies-${process.pid}-${nextName++}`
}

async function memoryHost(init: HostInit, listen = listenAddress()): Promise<Host> {
  const host = await createHost({
    addresses: { listen: [listen] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...init,
  })
  hosts.push(host)
  return host
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

/** A tiny service that declares what it needs and provides, and records whether it was started. */
function fakeService(
  tag: string,
  declared: { needs?: string[]; provides?: string[] },
  started: string[] = [],
) {
  return () => ({
    [Symbol.toStringTag]: tag,
    [serviceDependencies]: declared.needs ?? [],
    [serviceCapabilities]: declared.provides ?? [],
    start: () => void started.push(tag),
    stop: () => {},
  })
}

describe("services' declared dependencies", () => {
  it('refuse to start a host whose service needs a capability nobody provides, naming both', async () => {
    const started: string[] = []
    const listen = listenAddress()
    const failure = await memoryHost(
      {
        services: {
          helper: fakeService('fake-helper', { provides: ['@example/other'] }, started),
          dht: fakeService('fake-dht', { needs: ['@libp2p/identify'] }, started),
        },
      },
      listen,
    ).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(UnmetServiceDependenciesError)
    expect(failure).toMatchObject({
      name: 'UnmetServiceDependenciesError',
      service: 'services.dht (fake-dht)',
      capability: '@libp2p/identify',
    })
    expect((failure as Error).message).toBe(
      'services.dht (fake-dht) needs the capability "@libp2p/identify", which no configured module provides:' +
        " add identify() from @weft/identify to the host's services",
    )
    // checked before anything started: no service ran and the address is still free
    expect(started).toEqual([])
    const other = await memoryHost({}, listen)
    expect(other.getMultiaddrs().map(String)).toEqual([`${listen}/p2p/${other.peerId.toString()}`])
  })

  it('start when some service provides every declared capability, and start the services', async () => {
    const started: string[] = []
    const host = await memoryHost({
      services: {
        dht: fakeService('fake-dht', { needs: ['@libp2p/identify', '@libp2p/ping'] }, started),
        identify: fakeService('fake-identify', { provides: ['@libp2p/identify'] }, started),
        ping: fakeService('fake-ping', { provides: ['@libp2p/ping'] }, started),
      },
    })
    expect(host.status).toBe('started')
    expect(started.sort()).toEqual(['fake-dht', 'fake-identify', 'fake-ping'])
  })

  it('count the capabilities of transports, encrypters and muxers, and check their dependencies too', async () => {
    // noise declares '@libp2p/connection-encryption', yamux '@libp2p/stream-multiplexing'
    const host = await memoryHost({
      services: {
        needy: fakeService('fake-needy', {
          needs: ['@libp2p/connection-encryption', '@libp2p/stream-multiplexing', '@example/relayed'],
        }),
      },
      transports: [
        (components) =>
          Object.assign(memory()(components), { [serviceCapabilities]: ['@example/relayed'] }) as Transport,
      ],
    })
    expect(host.status).toBe('started')

    const failure = await memoryHost({
      transports: [
        (components) => Object.assign(memory()(components), { [serviceDependencies]: ['@example/missing'] }),
      ],
    }).catch((err: unknown) => err)
    expect(failure).toMatchObject({
      name: 'UnmetServiceDependenciesError',
      service: 'transports[0] (@weft/memory)',
      capability: '@example/missing',
    })
    expect((failure as Error).message).toBe(
      'transports[0] (@weft/memory) needs the capability "@example/missing", which no configured module provides',
    )
  })

  it('are read when start() runs: createHost({ start: false }) succeeds, start() throws and can be retried', async () => {
    const host = await createHost({
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        // a getter, as js-libp2p's circuit relay transport declares its dependency
        relay: () => ({
          [Symbol.toStringTag]: 'fake-relay',
          get [serviceDependencies]() {
            return ['@libp2p/identify']
          },
        }),
      },
      start: false,
    })
    hosts.push(host)
    await expect(host.start()).rejects.toMatchObject({
      name: 'UnmetServiceDependenciesError',
      service: 'services.relay (fake-relay)',
    })
    expect(host.status).toBe('stopped')
    await expect(host.start()).rejects.toBeInstanceOf(UnmetServiceDependenciesError)
    expect(host.status).toBe('stopped')
  })

  it('ignore declarations that are not string arrays, as js-libp2p does', async () => {
    const host = await memoryHost({
      services: {
        odd: () => ({ [serviceDependencies]: '@libp2p/identify', [serviceCapabilities]: 42 }),
        none: () => ({}),
      },
    })
    expect(host.status).toBe('started')
  })
})
