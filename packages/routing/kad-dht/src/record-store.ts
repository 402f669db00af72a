/**
 * Values stored with PUT_VALUE (libp2p/specs kad-dht/README.md, "Value
 * storage and retrieval"), kept in a datastore under `/dht/record/<base32
 * key>` as the spec's `Record` message with the time we received it.
 * Records older than `maxAge` (36 h by default, as go-libp2p and js-libp2p
 * use) are treated as absent and deleted.
 */
import type { AbortOptions } from '@libp2p/interface'
import { type Datastore, Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import { Record } from './message.pb.js'
import { wireBytes } from './network.js'

export const DEFAULT_MAX_RECORD_AGE = 36 * 60 * 60 * 1000

export interface RecordStoreInit {
  datastore: Datastore
  maxAge?: number
  now?: () => number
}

export class RecordStore {
  private readonly datastore: Datastore
  private readonly maxAge: number
  private readonly now: () => number

  constructor(init: RecordStoreInit) {
    this.datastore = init.datastore
    this.maxAge = init.maxAge ?? DEFAULT_MAX_RECORD_AGE
    this.now = init.now ?? Date.now
  }

  async put(key: Uint8Array, value: Uint8Array, options?: AbortOptions): Promise<Record> {
    const record: Record = {
      key: wireBytes(key),
      value: wireBytes(value),
      timeReceived: new Date(this.now()).toISOString(),
    }
    await this.datastore.put(storeKey(key), Record.encode(record), options)
    return record
  }

  /** The stored record of `key`, or undefined when there is none or it is too old. */
  async get(key: Uint8Array, options?: AbortOptions): Promise<Record | undefined> {
    const dsKey = storeKey(key)
    let bytes: Uint8Array
    try {
      bytes = await this.datastore.get(dsKey, options)
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return undefined
      throw err
    }
    let record: Record
    try {
      record = Record.decode(bytes)
    } catch {
      await this.datastore.delete(dsKey, options)
      return undefined
    }
    const received = Date.parse(record.timeReceived)
    if (!Number.isFinite(received) || this.now() - received > this.maxAge) {
      await this.datastore.delete(dsKey, options)
      return undefined
    }
    return record
  }
}

function storeKey(key: Uint8Array): Key {
  return new Key(`/dht/record/${base32.baseEncode(key)}`)
}
