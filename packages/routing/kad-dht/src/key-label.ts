import { base58btc } from 'multiformats/bases/base58'

/**
 * A DHT key as log lines show it: base58btc of its bytes, so a peer id's key
 * reads as the peer id (`12D3Koo…`) and a CIDv0's as the CID (`Qm…`).
 */
export function keyLabel(key: Uint8Array): string {
  return base58btc.baseEncode(key)
}
