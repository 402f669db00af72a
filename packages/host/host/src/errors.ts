/**
 * Errors thrown by @weft/host. Conditions that `@libp2p/interface` already
 * names are re-exported from there so code matching on `.name` treats a weft
 * host and a js-libp2p node alike.
 */
export {
  AbortError,
  ConnectionClosedError,
  ConnectionClosingError,
  DialError,
  InvalidMultiaddrError,
  InvalidParametersError,
  InvalidPeerIdError,
  LimitedConnectionError,
  ListenError,
  MuxerClosedError,
  NotFoundError,
  NotStartedError,
  TimeoutError,
  TooManyInboundProtocolStreamsError,
  TooManyOutboundProtocolStreamsError,
  UnexpectedPeerError,
  UnsupportedProtocolError,
} from '@libp2p/interface'

/** A handler is already registered for the protocol (pass `force: true` to replace it). */
export class DuplicateProtocolHandlerError extends Error {
  static override name = 'DuplicateProtocolHandlerError'
  override name = 'DuplicateProtocolHandlerError'
}

/** No handler is registered for the protocol. */
export class UnhandledProtocolError extends Error {
  static override name = 'UnhandledProtocolError'
  override name = 'UnhandledProtocolError'
}

/** The host was asked to dial its own peer id or one of its own addresses. */
export class SelfDialError extends Error {
  static override name = 'SelfDialError'
  override name = 'SelfDialError'
}

/** A dial target has no address any configured transport can dial. */
export class NoValidAddressesError extends Error {
  static override name = 'NoValidAddressesError'
  override name = 'NoValidAddressesError'
}

/** No configured transport accepts the address. */
export class TransportUnavailableError extends Error {
  static override name = 'TransportUnavailableError'
  override name = 'TransportUnavailableError'
}

/** No configured transport can listen on a requested listen address. */
export class UnsupportedListenAddressError extends Error {
  static override name = 'UnsupportedListenAddressError'
  override name = 'UnsupportedListenAddressError'
}

/** The connection gater refused a peer, an address or a connection. */
export class ConnectionDeniedError extends Error {
  static override name = 'ConnectionDeniedError'
  override name = 'ConnectionDeniedError'
}

/** A connection limit (`maxConnections`, `maxIncomingPendingConnections`) refused a connection. */
export class TooManyConnectionsError extends Error {
  static override name = 'TooManyConnectionsError'
  override name = 'TooManyConnectionsError'
}

/** The dial queue is full (`maxDialQueueLength`). */
export class DialQueueFullError extends Error {
  static override name = 'DialQueueFullError'
  override name = 'DialQueueFullError'
}

/** Encryption could not be negotiated or the handshake failed. */
export class EncryptionFailedError extends Error {
  static override name = 'EncryptionFailedError'
  override name = 'EncryptionFailedError'
}

/** No stream muxer could be agreed with the remote peer. */
export class MuxerUnavailableError extends Error {
  static override name = 'MuxerUnavailableError'
  override name = 'MuxerUnavailableError'
}

/** Every address of a dial failed; `errors` holds one error per address. */
export class AllAddressesFailedError extends AggregateError {
  static override name = 'AllAddressesFailedError'
  override name = 'AllAddressesFailedError'
}

/** Every rung of the connection ladder that was tried failed; `errors` holds one error per rung. */
export class LadderFailedError extends AggregateError {
  static override name = 'LadderFailedError'
  override name = 'LadderFailedError'
}

/** No peer routing service is configured. */
export class NoPeerRoutersError extends Error {
  static override name = 'NoPeerRoutersError'
  override name = 'NoPeerRoutersError'
}

/** No content routing service is configured. */
export class NoContentRoutersError extends Error {
  static override name = 'NoContentRoutersError'
  override name = 'NoContentRoutersError'
}

/** A peer record read back from the datastore is malformed or over the peer store's limits. */
export class InvalidPeerRecordError extends Error {
  static override name = 'InvalidPeerRecordError'
  override name = 'InvalidPeerRecordError'
}

/**
 * A module declares (`[serviceDependencies]`) a capability that no configured
 * module provides (`[serviceCapabilities]`), e.g. a DHT without identify.
 * Thrown by `start()`; js-libp2p's `createLibp2p` throws an error of the same
 * name.
 */
export class UnmetServiceDependenciesError extends Error {
  static override name = 'UnmetServiceDependenciesError'
  override name = 'UnmetServiceDependenciesError'
  /** the module that declared the dependency, e.g. `services.dht (@weft/kad-dht)` */
  readonly service: string
  /** the capability it needs, e.g. `@libp2p/identify` */
  readonly capability: string

  constructor(service: string, capability: string, hint?: string) {
    super(
      `${service} needs the capability "${capability}", which no configured module provides` +
        (hint == null ? '' : `: add ${hint} to the host's services`),
    )
    this.service = service
    this.capability = capability
  }
}

/**
 * A module read a member of the host's components (`components.upgrader`, …)
 * while the host was still creating it: a factory or constructor may keep the
 * components object, but must read a member the host creates after the module
 * itself only when it uses it or in `start()`.
 */
export class ComponentNotReadyError extends Error {
  static override name = 'ComponentNotReadyError'
  override name = 'ComponentNotReadyError'
  /** the member read too early, e.g. `upgrader` */
  readonly component: string

  constructor(component: string) {
    super(
      `components.${component} was read before the host created it: ` +
        'read it when it is used or in start(), not in the module factory or constructor',
    )
    this.component = component
  }
}

/**
 * The resource manager refused a reservation: `scope` ('system', 'transient',
 * 'peer:<id>', 'protocol:<id>', 'connection' or 'stream') holds `used` of
 * `resource` and `requested` more would pass its `limit`.
 */
export class ResourceLimitError extends Error {
  static override name = 'ResourceLimitError'
  override name = 'ResourceLimitError'
  readonly scope: string
  readonly resource: string
  readonly limit: number
  readonly used: number
  readonly requested: number

  constructor(init: { scope: string; resource: string; limit: number; used: number; requested: number }) {
    super(
      `the ${init.scope} scope refused ${init.requested} ${init.resource}: ` +
        `${init.used} in use of a limit of ${init.limit}`,
    )
    this.scope = init.scope
    this.resource = init.resource
    this.limit = init.limit
    this.used = init.used
    this.requested = init.requested
  }
}
