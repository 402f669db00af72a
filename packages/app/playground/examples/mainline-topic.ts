/**
 * Two playgrounds that know nothing of each other, only a Mainline DHT node
 * on loopback: each announces the app's name as a topic, finds the other
 * there, dials it by peer id, and they say hello.
 *
 *   node mainline-topic.js
 */
import { mainlineDHT } from '@weft/mainline-dht'
import { playground } from '@weft/playground'

// a one-node "swarm" on loopback; on a real network, name nodes you trust
const dht = mainlineDHT({ host: '127.0.0.1', nodesPerIp: 16 })
await dht.start()
const mainline = {
  bootstrap: dht.addresses().map(({ host, port }) => `${host}:${port}`),
  host: '127.0.0.1',
  nodesPerIp: 16,
}

const local = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, mainline }
const [alice, bob] = await Promise.all([playground('topic-demo', local), playground('topic-demo', local)])
const met = new Promise<string>((resolve) => bob.onPeer('join', resolve))
bob.on('text', (text, from) => console.log(`bob got "${text}" from ${from}`))
console.log(`bob met ${await met} (alice is ${alice.peerId})`)
await alice.join(bob.peerId) // already connected: resolves once bob hears messages to all
await alice.sendText('hello, found you on the DHT')

await new Promise((resolve) => setTimeout(resolve, 500))
await Promise.all([alice.stop(), bob.stop()])
await dht.stop()
