/**
 * The page: starts a weft host in the browser (WebSocket dial-only, Noise,
 * yamux, identify, ping), dials the Node host named in `?server=<multiaddr>`,
 * shows both peer ids, and chats: what is typed goes to the server, what the
 * server sends appears in the log.
 */
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { webSockets } from '@weft/websocket'
import { yamux } from '@weft/yamux'
import { CHAT_PROTOCOL, readMessage, sendMessage } from './chat.js'

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (found == null) throw new Error(`the page has no #${id}`)
  return found as T
}

const status = element<HTMLParagraphElement>('status')
const log = element<HTMLUListElement>('log')
const form = element<HTMLFormElement>('form')
const input = element<HTMLInputElement>('message')
const button = element<HTMLButtonElement>('send')

function show(kind: 'me' | 'server' | 'error', text: string): void {
  const item = document.createElement('li')
  item.className = kind
  item.textContent = `${kind === 'me' ? 'me' : kind === 'server' ? 'server' : 'error'}: ${text}`
  log.append(item)
}

async function main(): Promise<void> {
  const server = new URLSearchParams(location.search).get('server')
  if (server == null || server === '') {
    status.textContent = 'add ?server=<multiaddr of the Node host> to the address'
    return
  }
  const host = await createHost({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
  })
  element('self').textContent = host.peerId.toString()
  await host.handle(CHAT_PROTOCOL, async (stream) => {
    try {
      show('server', await readMessage(stream))
    } catch (err) {
      show('error', (err as Error).message)
    }
  })

  status.textContent = `dialing ${server}`
  const connection = await host.dial(multiaddr(server), { signal: AbortSignal.timeout(10_000) })
  const remote: PeerId = connection.remotePeer
  element('remote').textContent = remote.toString()
  status.textContent = 'connected'
  button.disabled = false

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const text = input.value.trim()
    if (text === '') return
    input.value = ''
    show('me', text)
    sendMessage(host, remote, text, { signal: AbortSignal.timeout(10_000) }).catch((err: Error) =>
      show('error', err.message),
    )
  })
}

main().catch((err: Error) => {
  status.textContent = `failed: ${err.name}: ${err.message}`
  console.error(err)
})
