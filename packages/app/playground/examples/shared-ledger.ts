/**
 * A shared ledger: everyone in the app adds entries (`add <who> <amount> <note>`)
 * to one replicated state, and `balances` sums them. Each entry has its own
 * key (`<peer>/<n>`), so writers never overwrite each other; the state is
 * saved under ./ledger-data and a peer that joins late catches up.
 *
 *   node shared-ledger.js [address of a peer]
 */
import { createInterface } from 'node:readline'
import { fileStateStore, playground } from '@weft/playground'

const app = await playground('shared-ledger', { state: { store: fileStateStore('./ledger-data') } })
console.log(`ledger open; others join with ${app.addresses[0]}`)
for (const address of process.argv.slice(2)) await app.join(address)
app.state.on('change', ({ key, value, local }) => local || console.log(`* ${key}: ${JSON.stringify(value)}`))

function balances(): Record<string, number> {
  const totals: Record<string, number> = {}
  for (const entry of Object.values(app.state.toJSON()) as Array<{ who: string; amount: number }>) {
    totals[entry.who] = (totals[entry.who] ?? 0) + entry.amount
  }
  return totals
}

let count = app.state.keys().filter((key) => key.startsWith(`${app.peerId}/`)).length
for await (const line of createInterface({ input: process.stdin })) {
  const add = /^add (\S+) (-?\d+(?:\.\d+)?)\s*(.*)$/.exec(line)
  if (add != null)
    await app.state.set(`${app.peerId}/${count++}`, { who: add[1]!, amount: Number(add[2]), note: add[3]! })
  else if (line === 'balances') console.log(balances())
  else if (line === 'quit') break
  else console.log('add <who> <amount> [note] | balances | quit')
}
await app.stop()
