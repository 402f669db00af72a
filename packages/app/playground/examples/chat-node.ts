/**
 * A chat node: every line typed goes to everyone in the app; `/to <peer id>
 * <text>` goes to one peer; `/peers` lists who is here. Join others by giving
 * their addresses (`host:port`, a multiaddr or a peer id) as arguments; on a
 * LAN, mDNS finds them without any.
 *
 *   node chat-node.js 192.0.2.7:4001
 */
import { createInterface } from 'node:readline'
import { playground } from '@weft/playground'

const app = await playground('chat-node')
console.log(`I am ${app.peerId}; join me at ${app.addresses.join(' or ')}`)
app.on('text', (text, from, { direct }) =>
  console.log(`${direct ? '(to you) ' : ''}[${from.slice(-6)}] ${text}`),
)
app.onPeer('join', (peer) => console.log(`* ${peer} is here`))
for (const address of process.argv.slice(2)) console.log(`* joined ${await app.join(address)}`)

for await (const line of createInterface({ input: process.stdin })) {
  const direct = /^\/to (\S+) (.+)$/.exec(line)
  if (line === '/peers') console.log(app.peers.join('\n') || '(nobody yet)')
  else if (direct != null)
    await app.sendText(direct[2]!, { to: direct[1]! }).catch((err: Error) => console.log(`* ${err.message}`))
  else if (line.trim() !== '') await app.sendText(line)
}
await app.stop()
