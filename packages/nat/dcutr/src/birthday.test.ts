import { createSocket, type Socket } from 'node:dgram'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_BIRTHDAY,
  FIRST_PORT,
  hitProbability,
  openMappings,
  PROBE,
  probePorts,
  SearchBudget,
  sprayProbes,
} from './birthday.js'
import { BirthdayFailedError } from './errors.js'

const udpHandles = (): number => process.getActiveResourcesInfo().filter((name) => name === 'UDPWRAP').length

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return socket
}

const close = async (socket: Socket): Promise<void> => new Promise((resolve) => socket.close(() => resolve()))

describe('birthday search, pure parts', () => {
  it('states the chance of a hit: 256 sockets, 2 000 probes, 64 512 ports', () => {
    expect(hitProbability(256, 2_000)).toBeGreaterThan(0.9995)
    expect(hitProbability(256, 2_000)).toBeLessThan(0.9999)
    // one probe: p = s / R
    expect(hitProbability(256, 1)).toBeCloseTo(256 / 64_512, 6)
    expect(hitProbability(0, 1_000)).toBe(0)
  })

  it('draws distinct ports from 1024…65535', () => {
    let seed = 7
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const ports = probePorts(5_000, random)
    expect(ports).toHaveLength(5_000)
    expect(new Set(ports).size).toBe(5_000)
    expect(ports.every((port) => port >= FIRST_PORT && port <= 65_535)).toBe(true)
    expect(new Set(probePorts(70_000)).size).toBe(64_512)
  })

  it('sends no more probes than allowed, at the configured pace', async () => {
    const sent: number[] = []
    const started = Date.now()
    const count = await sprayProbes('192.0.2.1', (_host, port) => sent.push(port), {
      ...DEFAULT_BIRTHDAY,
      probes: 40,
      probesPerTick: 4,
      tickInterval: 5,
    })
    expect(count).toBe(40)
    expect(new Set(sent).size).toBe(40)
    // 10 ticks, the first at once
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
  })

  it('stops spraying on abort and when its time is up', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 30)
    const aborted = await sprayProbes(
      '192.0.2.1',
      () => {},
      { ...DEFAULT_BIRTHDAY, probesPerTick: 1 },
      {
        signal: controller.signal,
      },
    )
    expect(aborted).toBeGreaterThan(0)
    expect(aborted).toBeLessThan(20)
    const timedOut = await sprayProbes('192.0.2.1', () => {}, {
      ...DEFAULT_BIRTHDAY,
      probesPerTick: 1,
      timeout: 50,
    })
    expect(timedOut).toBeLessThan(20)
  })

  it('spends at most its budget of datagrams a minute, then refuses until the next minute', () => {
    let now = 1_000_000
    const budget = new SearchBudget(100_000, () => now)
    expect(budget.take(32_768)).toBe(true)
    expect(budget.take(32_768)).toBe(true)
    expect(budget.take(32_768)).toBe(true)
    expect(budget.take(32_768)).toBe(false)
    expect(budget.take(1_000)).toBe(true)
    now += 59_999
    expect(budget.take(32_768)).toBe(false)
    now += 1
    expect(budget.take(32_768)).toBe(true)
  })

  it('refuses limits out of bounds', async () => {
    await expect(
      openMappings({ host: '127.0.0.1', ports: [9] }, { ...DEFAULT_BIRTHDAY, sockets: 5_000 }),
    ).rejects.toThrow(RangeError)
    // more mappings than MAX_MAPPINGS, or none at all
    const ports = Array.from({ length: 300 }, (_, i) => 20_000 + i)
    await expect(openMappings({ host: '127.0.0.1', ports }, DEFAULT_BIRTHDAY)).rejects.toThrow(
      /sockets × ports/,
    )
    await expect(openMappings({ host: '127.0.0.1', ports: [] }, DEFAULT_BIRTHDAY)).rejects.toThrow(RangeError)
    await expect(sprayProbes('127.0.0.1', () => {}, { ...DEFAULT_BIRTHDAY, probes: 0 })).rejects.toThrow(
      RangeError,
    )
  })
})

describe('birthday search over loopback', () => {
  /**
   * The cone side is a loopback socket; the random side's 256 sockets get
   * ports from the kernel, which the cone side does not know. The cone
   * side's sends stand for its NAT and the peer's: a probe at a port that
   * sent nothing to it is dropped (the random side's NAT has no mapping
   * there), so only our own sockets ever receive one.
   */
  it('finds the one socket a probe reached and hands it over; every other socket closes', async () => {
    const before = udpHandles()
    const cone = await bound()
    const mapped = new Set<number>()
    cone.on('message', (data, remote) => {
      if (Buffer.from(PROBE).equals(data)) mapped.add(remote.port)
    })
    const conePort = cone.address().port
    const controller = new AbortController()
    const started = Date.now()
    const search = openMappings({ host: '127.0.0.1', ports: [conePort] }, DEFAULT_BIRTHDAY, {
      bindHost: '127.0.0.1',
      signal: controller.signal,
    })
    let dropped = 0
    const spray = sprayProbes(
      '127.0.0.1',
      (host, port, datagram) => {
        if (mapped.has(port)) cone.send(datagram, port, host)
        else dropped++
      },
      DEFAULT_BIRTHDAY,
      { signal: controller.signal },
    )
    const { socket: winner, port: from } = await search
    const ms = Date.now() - started
    controller.abort()
    const sent = await spray
    expect(from).toBe(conePort)
    const port = winner.address().port
    expect(mapped.has(port)).toBe(true)
    expect(mapped.size).toBe(DEFAULT_BIRTHDAY.sockets)
    // at least the one probe that got through (another may have left before the abort)
    expect(sent - dropped).toBeGreaterThanOrEqual(1)
    // the path works both ways: the winner reaches the cone side from its port
    const reply = new Promise<number>((resolve) =>
      cone.once('message', (_data, remote) => resolve(remote.port)),
    )
    winner.send(Uint8Array.of(1), conePort, '127.0.0.1')
    expect(await reply).toBe(port)
    console.log(`loopback birthday search: hit after ${sent} probes, ${ms} ms`)
    await close(winner)
    await close(cone)
    expect(udpHandles()).toBe(before)
  })

  /**
   * The probing side's NAT is sequential: its k-th probe leaves from the
   * k-th next port. Here 16 loopback sockets stand for those ports; probe k
   * goes out of socket k mod 16 and is dropped unless the random side has a
   * socket aimed at that port (its NAT's mapping) on the probe's target port.
   * Each random socket aims at all 16, so a hit names the port to dial.
   */
  it('aims every socket at each predicted port of a sequential side and names the port a probe came from', async () => {
    const before = udpHandles()
    const ports = await Promise.all(Array.from({ length: 16 }, async () => bound()))
    // the (random port, predicted port) pairs the random side's sockets aimed at
    const mapped = new Set<string>()
    for (const socket of ports) {
      socket.on('message', (data, remote) => {
        if (Buffer.from(PROBE).equals(data)) mapped.add(`${remote.port}>${socket.address().port}`)
      })
    }
    // 1 − (1 − 64/64 512)^8 192: a hit 99.97 % of the time
    const limits = { ...DEFAULT_BIRTHDAY, sockets: 64, probes: 8_192, probesPerTick: 50 }
    const controller = new AbortController()
    const search = openMappings(
      { host: '127.0.0.1', ports: ports.map((socket) => socket.address().port) },
      limits,
      { bindHost: '127.0.0.1', signal: controller.signal },
    )
    let k = 0
    const spray = sprayProbes(
      '127.0.0.1',
      (host, port, datagram) => {
        const from = ports[k++ % ports.length]!
        if (mapped.has(`${port}>${from.address().port}`)) from.send(datagram, port, host)
      },
      limits,
      { signal: controller.signal, delay: 50 },
    )
    const { socket: winner, port: from } = await search
    controller.abort()
    await spray
    expect(mapped.size).toBe(limits.sockets * ports.length)
    expect(mapped.has(`${winner.address().port}>${from}`)).toBe(true)
    await close(winner)
    for (const socket of ports) await close(socket)
    expect(udpHandles()).toBe(before)
  })

  it('sends a sweep of many ports once, and probes one port again every second', async () => {
    const silent = [await bound(), await bound()]
    const counts = new Map<number, number>()
    for (const socket of silent) {
      const port = socket.address().port
      socket.on('message', () => counts.set(port, (counts.get(port) ?? 0) + 1))
    }
    const [one, two] = silent.map((socket) => socket.address().port) as [number, number]
    const limits = { ...DEFAULT_BIRTHDAY, sockets: 4, timeout: 2_300 }
    await Promise.allSettled([
      openMappings({ host: '127.0.0.1', ports: [one, two] }, limits, { bindHost: '127.0.0.1' }),
    ])
    // let the last datagrams be read
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect([counts.get(one), counts.get(two)]).toEqual([4, 4])
    counts.clear()
    await Promise.allSettled([
      openMappings({ host: '127.0.0.1', ports: [one] }, limits, { bindHost: '127.0.0.1' }),
    ])
    await new Promise((resolve) => setTimeout(resolve, 100))
    // at 0, 1 and 2 s
    expect(counts.get(one)).toBe(12)
    for (const socket of silent) await close(socket)
  })

  it('closes every socket and timer when nothing comes through', async () => {
    const before = udpHandles()
    const silent = await bound()
    await expect(
      openMappings(
        { host: '127.0.0.1', ports: [silent.address().port] },
        { ...DEFAULT_BIRTHDAY, sockets: 32, timeout: 150 },
        { bindHost: '127.0.0.1' },
      ),
    ).rejects.toThrow(BirthdayFailedError)
    await close(silent)
    await new Promise((resolve) => setImmediate(resolve))
    expect(udpHandles()).toBe(before)
  })

  it('closes every socket when aborted while binding', async () => {
    const before = udpHandles()
    const controller = new AbortController()
    const search = openMappings(
      { host: '127.0.0.1', ports: [9] },
      { ...DEFAULT_BIRTHDAY, sockets: 64 },
      {
        bindHost: '127.0.0.1',
        signal: controller.signal,
      },
    )
    controller.abort(new Error('stop'))
    await expect(search).rejects.toThrow('stop')
    await new Promise((resolve) => setImmediate(resolve))
    expect(udpHandles()).toBe(before)
  })
})
