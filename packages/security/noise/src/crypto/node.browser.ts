/**
 * Browsers have no node:crypto: there `nodeCrypto` (the default of `noise()`)
 * is the pure-JS `nobleCrypto`, the same primitives on @noble/*.
 * package.json's `browser` field swaps this file in for node.ts.
 */
import type { NoiseCrypto } from './index.js'
import { nobleCrypto } from './noble.js'

export const nodeCrypto: NoiseCrypto = nobleCrypto
