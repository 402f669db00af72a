/** Options every command takes. */
import { defaultKeyFile } from '../identity.js'

export interface GlobalOptions {
  key: string
  json: boolean
  debug: boolean
}

export const globalOptions = {
  key: { type: 'string', default: defaultKeyFile(), describe: 'identity key file', global: true },
  json: { type: 'boolean', default: false, describe: 'print JSON instead of text', global: true },
  debug: { type: 'boolean', default: false, describe: 'print stack traces on errors', global: true },
} as const
