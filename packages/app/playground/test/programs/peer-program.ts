/**
 * A playground in its own process, driven by JSON lines on stdin
 * (`{"cmd":"join","address"}`, `{"cmd":"send","kind","payload","to"?}`) and
 * reporting JSON lines on stdout (`ready`, `joined`, `message`, `sent`,
 * `error`). App name from `WEFT_TEST_APP`, a DHT when `WEFT_TEST_DHT=1`;
 * loopback only, no multicast.
 */
import { createInterface } from 'node:readline'
import { type Json, playground } from '../../src/index.js'

const print = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}
const node = await playground(process.env.WEFT_TEST_APP ?? 'test', {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  mdns: false,
  dht: process.env.WEFT_TEST_DHT === '1',
})
for (const kind of ['note', 'text']) {
  node.on(kind, (payload, from, message) =>
    print({ event: 'message', kind, payload, from, direct: message.direct }),
  )
}
print({ event: 'ready', peerId: node.peerId, addresses: node.addresses })
for await (const line of createInterface({ input: process.stdin })) {
  let command: { cmd?: string; address?: string; kind?: string; payload?: Json; to?: string; id?: number }
  try {
    command = JSON.parse(line)
  } catch {
    continue
  }
  try {
    if (command.cmd === 'join')
      print({ event: 'joined', id: command.id, peer: await node.join(command.address ?? '') })
    else if (command.cmd === 'send') {
      await node.send(
        command.kind ?? 'note',
        command.payload ?? null,
        command.to != null ? { to: command.to } : {},
      )
      print({ event: 'sent', id: command.id })
    } else if (command.cmd === 'peers') print({ event: 'peers', id: command.id, peers: node.peers })
  } catch (err) {
    print({ event: 'error', id: command.id, name: (err as Error).name, message: (err as Error).message })
  }
}
await node.stop()
