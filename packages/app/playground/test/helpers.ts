/** Shared test helpers: loopback-only playgrounds (no multicast), and bounded waits. */
import { type Playground, type PlaygroundOptions, playground } from '../src/index.js'

export const LOOPBACK: PlaygroundOptions = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }

export async function startPlaygrounds(
  app: string,
  count: number,
  options: PlaygroundOptions = {},
): Promise<Playground[]> {
  return Promise.all(Array.from({ length: count }, async () => playground(app, { ...LOOPBACK, ...options })))
}

/** Resolves once `check` is true; rejects after `timeout` ms with `what` in the message. */
export async function waitUntil(check: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Each of `nodes` joins the ones after it, and waits until all see all (peers and topic subscriptions). */
export async function joinAll(nodes: Playground[]): Promise<void> {
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) await nodes[i]!.join(nodes[j]!.addresses[0]!)
  }
  for (const node of nodes)
    await waitUntil(() => node.peers.length === nodes.length - 1, `${node.peerId} to see every peer`)
}

/** A handler that records what it received. */
export function recorder(): {
  received: Array<{ payload: unknown; from: string; direct: boolean }>
  handler: (payload: unknown, from: string, message: { direct: boolean }) => void
} {
  const received: Array<{ payload: unknown; from: string; direct: boolean }> = []
  return {
    received,
    handler: (payload, from, message) => received.push({ payload, from, direct: message.direct }),
  }
}
