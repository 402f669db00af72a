/**
 * `weft chat <room>`: @weft/playground's QuickChat in this terminal. It
 * prints the addresses another terminal joins with (`--join <addr>`); on one
 * LAN mDNS finds peers without any. Lines typed go to the room; `quit`,
 * `exit`, the end of input (Ctrl-D), SIGINT or SIGTERM leave it.
 */
import { PassThrough } from 'node:stream'
import { quickChat } from '@weft/playground'
import type { ArgumentsCamelCase, Argv } from 'yargs'
import { stopSignal } from '../signals.js'
import type { GlobalOptions } from './global.js'
import {
  asCliError,
  checkAddresses,
  type PeerOptions,
  playgroundOptions,
  withPeerOptions,
} from './peer-options.js'

interface ChatOptions extends PeerOptions {
  room: string
  join: string[]
  name?: string
}

export const command = 'chat <room>'
export const describe = 'Chat with everyone in a room (another terminal joins with the address printed)'

export function builder(yargs: Argv<GlobalOptions>): Argv<ChatOptions> {
  return withPeerOptions(yargs)
    .positional('room', {
      type: 'string',
      demandOption: true,
      describe: "the room's name (letters, digits, '.', '_', '-')",
    })
    .option('join', {
      alias: 'j',
      type: 'string',
      array: true,
      default: [],
      describe: 'an address to join: host:port, a multiaddr or a peer id (repeatable)',
    })
    .option('name', {
      type: 'string',
      describe: 'the name others see (default $WEFT_CHAT_NAME, else your login name)',
    })
    .example('$0 chat lobby', 'start a room; it prints the addresses to give the others')
    .example(
      '$0 chat lobby --join /ip4/192.0.2.7/tcp/4001/p2p/12D3KooW…',
      'join the room of the terminal that printed this address',
    ) as unknown as Argv<ChatOptions>
}

export async function handler(args: ArgumentsCamelCase<ChatOptions>): Promise<void> {
  checkAddresses(args.join, '--join')
  // stdin goes through a stream of ours, so a signal can end the chat like Ctrl-D does
  const input = new PassThrough()
  process.stdin.pipe(input)
  const stop = stopSignal()
  const endInput = (): void => {
    process.stdin.unpipe(input)
    process.stdin.pause()
    input.end()
  }
  stop.signal.addEventListener('abort', endInput, { once: true })
  try {
    const chat = await quickChat(args.room, {
      ...(await playgroundOptions(args)),
      join: args.join,
      ...(args.name != null ? { name: args.name } : {}),
      input,
      output: process.stdout,
    }).catch((err: unknown) => {
      throw asCliError(err, `room "${args.room}"`)
    })
    await chat.run()
  } finally {
    stop.dispose()
    endInput()
    // nothing more is read: let the process end
    process.stdin.destroy()
  }
}
