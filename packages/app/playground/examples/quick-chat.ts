// QuickChat: `node quick-chat.js [address of a peer …]`; type lines, `quit` leaves.
import { quickChat } from '@weft/playground'

const chat = await quickChat('lobby', { join: process.argv.slice(2) })
await chat.run()
