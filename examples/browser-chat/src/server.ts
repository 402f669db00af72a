/**
 * `pnpm --filter @weft/example-browser-chat start`: starts the Node weft
 * host and a Vite dev server for the page, and prints the address to open.
 * Messages typed in the page are printed here and answered.
 */
import { createServer } from 'vite'
import { startChatServer } from './chat-server.js'
import { pageConfig } from './vite-config.js'

const chat = await startChatServer({
  listen: process.env.WEFT_CHAT_LISTEN,
  onMessage: (text, from) => console.log(`${from}: ${text}`),
})
const vite = await createServer({ ...pageConfig(), server: { host: '127.0.0.1', port: 5173 } })
await vite.listen()
const page = vite.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/'
console.log(`weft host ${chat.host.peerId} listening on ${chat.address}`)
console.log(`open ${page}?server=${encodeURIComponent(chat.address.toString())}`)

const stop = async (): Promise<void> => {
  await vite.close()
  await chat.stop()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
