/**
 * The components object, built before the host's own parts exist.
 *
 * Those parts keep references to one another in cycles (the peer store asks
 * the connection manager which peers are connected, the connection manager
 * dials through the upgrader, the upgrader asks the connection manager to
 * admit inbound connections, Noise asks the upgrader for its muxers), so no
 * order creates each one before everything that holds the components object.
 * Each part is therefore a getter: it returns the part once the host has set
 * it and throws `ComponentNotReadyError` before, so a module never sees
 * `undefined` where the type promises a part, and no member is optional only
 * because of construction order. The getters are own enumerable properties,
 * so `{ ...components }` copies every member, as it did with a plain object.
 */
import type { Components } from '../components.js'
import { ComponentNotReadyError, InvalidParametersError } from '../errors.js'

/** The members the host creates after the components object, in the order it creates them. */
export type HostPart =
  | 'peerStore'
  | 'registrar'
  | 'transportManager'
  | 'addressManager'
  | 'connectionManager'
  | 'upgrader'

/** What the host has before it creates its parts: keys, logger, events, node info, gater, datastore. */
export type BaseComponents = Omit<Components, HostPart>

export class ComponentsBuilder {
  /** handed to every module; complete once the host has set every part */
  readonly components: Components
  private readonly parts: Partial<Pick<Components, HostPart>> = {}

  constructor(base: BaseComponents) {
    const part = <K extends HostPart>(name: K): Components[K] => {
      const value = this.parts[name]
      if (value == null) throw new ComponentNotReadyError(name)
      return value
    }
    this.components = {
      ...base,
      get peerStore() {
        return part('peerStore')
      },
      get registrar() {
        return part('registrar')
      },
      get transportManager() {
        return part('transportManager')
      },
      get addressManager() {
        return part('addressManager')
      },
      get connectionManager() {
        return part('connectionManager')
      },
      get upgrader() {
        return part('upgrader')
      },
    }
  }

  /** Sets a part, once; returns it. */
  set<K extends HostPart, V extends Components[K]>(name: K, value: V): V {
    if (this.parts[name] != null) throw new InvalidParametersError(`components.${name} is already set`)
    this.parts[name] = value
    return value
  }
}
