/**
 * The identity key file: a libp2p private key in its protobuf encoding, kept
 * with mode 0600. Created on first use (Ed25519); the same file always gives
 * the same peer id.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import type { PrivateKey } from '@libp2p/interface'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { CliError } from './errors.js'

/** ~/.config/weft, or $XDG_CONFIG_HOME/weft. */
export function defaultConfigDir(): string {
  const base = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config')
  return join(base, 'weft')
}

export function defaultKeyFile(): string {
  return join(defaultConfigDir(), 'identity.key')
}

export interface Identity {
  privateKey: PrivateKey
  peerId: string
  keyFile: string
  created: boolean
}

/** Reads the key at `keyFile`, or creates it (and its folder, 0700) when absent. */
export async function loadOrCreateIdentity(keyFile: string, create = true): Promise<Identity> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(keyFile)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CliError(`cannot read key file ${keyFile}: ${(err as NodeJS.ErrnoException).code}`)
    }
    if (!create) throw new CliError(`no key file at ${keyFile} (run \`weft id\` to create one)`)
  }
  if (bytes != null) {
    let privateKey: PrivateKey
    try {
      privateKey = privateKeyFromProtobuf(bytes)
    } catch {
      throw new CliError(`key file ${keyFile} does not hold a libp2p private key`)
    }
    return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), keyFile, created: false }
  }
  const privateKey = await generateKeyPair('Ed25519')
  try {
    await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 })
    // 'wx': never overwrite a key another process wrote in the meantime
    await writeFile(keyFile, privateKeyToProtobuf(privateKey), { mode: 0o600, flag: 'wx' })
    await chmod(keyFile, 0o600)
  } catch (err) {
    throw new CliError(
      `cannot create key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'failed'}`,
    )
  }
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), keyFile, created: true }
}
