/**
 * The `[serviceDependencies]` / `[serviceCapabilities]` convention of
 * @libp2p/interface, as js-libp2p applies it: a module lists the capabilities
 * it needs (`'@libp2p/identify'`), and each must be among the capabilities
 * some configured module (transport, encrypter, muxer or service) provides.
 * Pure: the host calls it at start with its modules.
 */
import { serviceCapabilities, serviceDependencies } from '@libp2p/interface'

/** A configured module and how the host names it in errors. */
export interface NamedModule {
  /** `services.<key>`, `transports[<i>]`, … */
  name: string
  module: unknown
}

export interface UnmetDependency {
  /** the module's name, with its `Symbol.toStringTag` when it has one */
  service: string
  capability: string
}

/** The capabilities modules depend on today (js-libp2p's and weft's), and what provides them. */
const PROVIDERS: Record<string, string> = {
  '@libp2p/identify': 'identify() from @weft/identify',
  '@libp2p/ping': 'ping() from @weft/ping',
}

/** The first declared dependency no module provides, in configuration order; none: `undefined`. */
export function findUnmetDependency(modules: NamedModule[]): UnmetDependency | undefined {
  const provided = new Set<string>()
  for (const { module } of modules)
    for (const capability of listed(module, serviceCapabilities)) provided.add(capability)
  for (const { name, module } of modules) {
    for (const capability of listed(module, serviceDependencies)) {
      if (!provided.has(capability)) return { service: displayName(name, module), capability }
    }
  }
  return undefined
}

/** What to tell the user to add for `capability`, when we know. */
export function providerHint(capability: string): string | undefined {
  return PROVIDERS[capability]
}

/** The string array a module declares under `symbol`; anything else counts as none, as in js-libp2p. */
function listed(module: unknown, symbol: symbol): string[] {
  if (module == null || (typeof module !== 'object' && typeof module !== 'function')) return []
  const value = (module as Record<symbol, unknown>)[symbol]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function displayName(name: string, module: unknown): string {
  const tag =
    module != null && typeof module === 'object'
      ? (module as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag]
      : undefined
  return typeof tag === 'string' && tag !== '' ? `${name} (${tag})` : name
}
