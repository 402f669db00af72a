/**
 * A listening node (weft or js-libp2p) for one benchmark case. Messages:
 * → `ready { address, memory }` once listening (memory after gc);
 * ← `memory` → `memory { memory, connections }`; ← `stop`: stops the node and exits.
 */
import { createNode, type Muxer, type Stack, type TransportName } from './stacks/node.js'
import {
  measureMemory,
  nextMessage,
  reply,
  runWorker,
  type WorkerArgs,
  workerArgs,
} from './worker-runtime.js'

interface ServerArgs extends WorkerArgs {
  stack: Stack
  muxer: Muxer
  transport?: TransportName
  gc: boolean
}

runWorker(async () => {
  const args = workerArgs<ServerArgs>()
  const node = await createNode(args.stack, { muxer: args.muxer, listen: true, transport: args.transport })
  const memory = args.gc ? await measureMemory() : undefined
  await reply({ type: 'ready', address: node.address().toString(), memory })
  let stopping = false
  void (async () => {
    while (!stopping) {
      await nextMessage('memory')
      const connections = node.libp2p.getConnections().length
      await reply({ type: 'memory', memory: await measureMemory(), connections })
    }
  })()
  await nextMessage('stop')
  stopping = true
  await node.stop()
})
