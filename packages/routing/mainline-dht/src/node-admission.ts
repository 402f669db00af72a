/**
 * Who enters the routing table: a node that answered us at once; a node
 * that only queried us once it answers a ping (a query's source address
 * may be forged); and when its bucket is full, the questionable node it
 * would replace is pinged first. Pings in flight are bounded.
 */
import { type Address, addressKey, type Family, familyOf, type NodeContact } from './address.js'
import type { Response } from './message.js'
import { equalIds, idToHex } from './node-id.js'
import type { RoutingTable } from './routing-table.js'

/** Pings of unknown queriers in flight at once. */
const MAX_VERIFYING = 16

export interface NodeAdmissionInit {
  table: Pick<RoutingTable, 'add' | 'get' | 'failed'>
  /** families this node has sockets for (read on every offer: it changes on start) */
  families: readonly Family[]
  /** a ping query; a timeout counts against a node in the table */
  ping(node: Address & { id?: Uint8Array }): Promise<Response>
}

export class NodeAdmission {
  private readonly pinging = new Set<string>()
  private readonly verifying = new Set<string>()

  constructor(private readonly init: NodeAdmissionInit) {}

  /** A node we heard from: `responded` when it answered a query of ours, else it queried us. */
  offer(contact: NodeContact, responded: boolean): void {
    const table = this.init.table
    if (!this.init.families.includes(familyOf(contact.host) ?? 4)) return
    if (!responded && table.get(contact.id) === undefined) {
      // a query's source address may be forged: a new node enters only by answering a ping
      this.verify(contact)
      return
    }
    const result = table.add(contact, responded)
    if (result.status !== 'ping') return
    const key = idToHex(result.node.id)
    if (this.pinging.has(key)) return
    this.pinging.add(key)
    this.init
      .ping(result.node)
      .then((response) => {
        if (!equalIds(response.id, result.node.id)) table.failed(result.node.id)
      })
      .catch(() => {})
      .finally(() => this.pinging.delete(key))
  }

  private verify(contact: NodeContact): void {
    const key = addressKey(contact)
    if (this.verifying.size >= MAX_VERIFYING || this.verifying.has(key)) return
    this.verifying.add(key)
    this.init
      .ping(contact)
      .catch(() => {})
      .finally(() => this.verifying.delete(key))
  }
}
