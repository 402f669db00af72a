/**
 * The transport modules of the `transports` case: weft's QUIC and TLS, and
 * js-libp2p's QUIC (`@chainsafe/libp2p-quic`, a native addon) and TLS
 * (`@libp2p/tls`). They are imported when the case runs, so the other cases
 * never load the addon. `WEFT_BENCH_QUIC=/path/to/index.js` measures another
 * build of @weft/quic (a before/after comparison).
 */
import { pathToFileURL } from 'node:url'

/** A transport or encrypter factory, as both stacks take it. */
// biome-ignore lint/suspicious/noExplicitAny: the components each stack passes differ; both accept these
export type Factory = (init?: Record<string, unknown>) => (components: any) => any

interface Source {
  name: string
  exportName: string
}

export const MODULES = {
  weftQuic: { name: '@weft/quic', exportName: 'quic' },
  weftTls: { name: '@weft/tls', exportName: 'tls' },
  jsQuic: { name: '@chainsafe/libp2p-quic', exportName: 'quic' },
  jsTls: { name: '@libp2p/tls', exportName: 'tls' },
} as const satisfies Record<string, Source>

async function importModule(source: Source): Promise<Record<string, unknown>> {
  const override = source.name === '@weft/quic' ? process.env.WEFT_BENCH_QUIC : undefined
  if (override != null && override !== '')
    return (await import(pathToFileURL(override).href)) as Record<string, unknown>
  return (await import(source.name)) as Record<string, unknown>
}

/** The factory `source.exportName` of the module. */
export async function loadFactory(source: Source): Promise<Factory> {
  const factory = (await importModule(source))[source.exportName]
  if (typeof factory !== 'function') throw new Error(`${source.name} exports no ${source.exportName}()`)
  return factory as Factory
}
