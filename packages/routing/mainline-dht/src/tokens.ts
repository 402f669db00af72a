/**
 * announce_peer tokens (BEP5 "get_peers"): SHA-1 of a secret and the
 * querier's IP. The secret rotates every `rotateEvery` ms and the previous
 * one is still accepted, so a token lives between one and two periods.
 */
import { createHash, randomBytes } from 'node:crypto'
import { ipBytes } from './address.js'

export class Tokens {
  private current = randomBytes(16)
  private previous = randomBytes(16)
  private rotatedAt: number

  constructor(
    private readonly rotateEvery = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.rotatedAt = now()
  }

  issue(host: string): Uint8Array {
    this.rotate()
    return this.token(this.current, host)
  }

  check(token: Uint8Array, host: string): boolean {
    this.rotate()
    return equal(token, this.token(this.current, host)) || equal(token, this.token(this.previous, host))
  }

  private rotate(): void {
    const now = this.now()
    const periods = Math.floor((now - this.rotatedAt) / this.rotateEvery)
    if (periods <= 0) return
    this.previous = periods === 1 ? this.current : randomBytes(16)
    this.current = randomBytes(16)
    this.rotatedAt += periods * this.rotateEvery
  }

  private token(secret: Uint8Array, host: string): Uint8Array {
    const hash = createHash('sha1').update(secret)
    hash.update(ipBytes(host) ?? new TextEncoder().encode(host))
    return new Uint8Array(hash.digest().subarray(0, 8))
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let index = 0; index < a.length; index++) diff |= (a[index] as number) ^ (b[index] as number)
  return diff === 0
}
