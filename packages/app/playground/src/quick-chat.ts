/**
 * `quickChat(room)`: a terminal chat on a playground. Lines typed go to every
 * peer in the room; lines from others print as `[name] text`; `quit` or
 * `exit` leaves. Peers join by an address given to `join` (from argv) or by
 * mDNS on the LAN.
 *
 * The name shown to others is `name`, else `WEFT_CHAT_NAME`, else the login
 * name; the playground's own defaults read `WEFT_PLAYGROUND_LISTEN` and
 * `WEFT_PLAYGROUND_MDNS` (see `playground`).
 */
import { userInfo } from 'node:os'
import { createInterface } from 'node:readline'
import type { Json } from './codec.js'
import { type Playground, type PlaygroundOptions, playground } from './playground.js'

export interface QuickChatOptions extends PlaygroundOptions {
  /** the name others see (default `WEFT_CHAT_NAME`, else the login name) */
  name?: string
  /** addresses to join at start (`host:port`, multiaddrs, peer ids) */
  join?: string[]
  /** where lines are read (default stdin) */
  input?: NodeJS.ReadableStream
  /** where lines are printed (default stdout) */
  output?: NodeJS.WritableStream
}

export interface QuickChat {
  readonly name: string
  readonly playground: Playground
  /** Chats until `quit`/`exit` or the end of input, then stops the playground. */
  run(): Promise<void>
  stop(): Promise<void>
}

const MAX_NAME = 32
const MAX_TEXT = 4096

/** Whether a code point is a control or a bidirectional/zero-width format character. */
function hidden(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  )
}

/** Drops control and format characters (terminal escapes from a peer must not reach our screen). */
export function printable(text: string, max: number): string {
  let out = ''
  for (const char of text) {
    if (!hidden(char.codePointAt(0) ?? 0)) out += char
    if (out.length >= max) break
  }
  return out.slice(0, max)
}

export async function quickChat(room: string, options: QuickChatOptions = {}): Promise<QuickChat> {
  const { name: chosen, join = [], input = process.stdin, output = process.stdout, ...rest } = options
  const name = printable(chosen ?? process.env.WEFT_CHAT_NAME ?? userInfo().username, MAX_NAME) || 'anonymous'
  const node = await playground(room, rest)
  const print = (line: string): void => {
    output.write(`${line}\n`)
  }
  const short = (peer: string): string => `…${peer.slice(-6)}`
  node.on('chat', (payload: Json, from) => {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return
    const who = typeof payload.name === 'string' ? printable(payload.name, MAX_NAME) : short(from)
    const text = typeof payload.text === 'string' ? printable(payload.text, MAX_TEXT) : ''
    print(`[${who}] ${text}`)
  })
  node.onPeer('join', (peer) => print(`* ${short(peer)} joined`))
  node.onPeer('leave', (peer) => print(`* ${short(peer)} left`))

  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= node.stop()
    await stopping
  }

  return {
    name,
    playground: node,
    stop,
    async run() {
      print(`you are ${name} in "${room}"; others join with one of:`)
      for (const address of node.addresses) print(`  ${address}`)
      for (const address of join) {
        try {
          print(`* joined ${short(await node.join(address))}`)
        } catch (err) {
          print(`* could not join ${address}: ${(err as Error).message}`)
        }
      }
      print('type a line to send it; quit or exit leaves')
      const lines = createInterface({ input, terminal: false })
      try {
        for await (const raw of lines) {
          const text = raw.trim()
          if (text === 'quit' || text === 'exit') break
          if (text === '') continue
          await node.send('chat', { name, text: text.slice(0, MAX_TEXT) }).catch((err: Error) => {
            print(`* not sent: ${err.message}`)
          })
        }
      } finally {
        lines.close()
        print('bye')
        await stop()
      }
    },
  }
}
