/**
 * The playground's errors: one class per condition, each with a stable
 * `name` to match on. Bad arguments (an empty kind, a negative limit) are
 * built-in `TypeError`/`RangeError`.
 */

/** A payload whose encoding is larger than the playground's `maxPayloadBytes`. */
export class PayloadTooLargeError extends Error {
  static override name = 'PayloadTooLargeError'
  override name = 'PayloadTooLargeError'
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`the payload encodes to ${size} bytes; at most ${limit} are allowed`)
  }
}

/** A payload that is not JSON data (a function, `undefined`, a cycle, NaN, a class instance, …). */
export class PayloadNotSerialisableError extends Error {
  static override name = 'PayloadNotSerialisableError'
  override name = 'PayloadNotSerialisableError'
  constructor(
    readonly path: string,
    readonly found: string,
  ) {
    super(
      `the payload must be JSON data (null, boolean, finite number, string, array, plain object); at ${path} found ${found}`,
    )
  }
}

/** Text given to `join` that is neither `host:port`, a multiaddr nor a peer id. */
export class InvalidAddressError extends Error {
  static override name = 'InvalidAddressError'
  override name = 'InvalidAddressError'
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`"${address}" is not an address (expected host:port, a multiaddr or a peer id): ${reason}`)
  }
}

/** The peer `join` reached does not run this app (another app name, or no playground at all). */
export class PeerNotInAppError extends Error {
  static override name = 'PeerNotInAppError'
  override name = 'PeerNotInAppError'
  constructor(
    readonly peer: string,
    readonly app: string,
  ) {
    super(`peer ${peer} does not run the app "${app}"`)
  }
}

/** `openPort: true`: port mapping (UPnP/NAT-PMP/PCP) is not wired into the playground yet. */
export class PortMappingUnavailableError extends Error {
  static override name = 'PortMappingUnavailableError'
  override name = 'PortMappingUnavailableError'
  constructor() {
    super(
      'openPort: true is not available yet (port mapping is not wired into @weft/playground); leave it off',
    )
  }
}

/** A call on a playground after `stop()`. */
export class PlaygroundStoppedError extends Error {
  static override name = 'PlaygroundStoppedError'
  override name = 'PlaygroundStoppedError'
  constructor(what: string) {
    super(`${what}: the playground is stopped`)
  }
}

/** A shared-state write over a bound (key length, value size, number of keys). */
export class StateLimitError extends Error {
  static override name = 'StateLimitError'
  override name = 'StateLimitError'
}

/** A file id that does not parse, or a `.part` sidecar written for another file. */
export class InvalidFileIdError extends Error {
  static override name = 'InvalidFileIdError'
  override name = 'InvalidFileIdError'
}

/** No peer in the app has the file (or every one that had it failed or was banned). */
export class NoSourcesError extends Error {
  static override name = 'NoSourcesError'
  override name = 'NoSourcesError'
  constructor(
    readonly id: string,
    readonly missingChunks: number,
  ) {
    super(`no peer in the app can serve file ${id}; ${missingChunks} chunks still missing`)
  }
}

/** The assembled file does not hash to the root its id names. */
export class FileIntegrityError extends Error {
  static override name = 'FileIntegrityError'
  override name = 'FileIntegrityError'
}

/** A chunk that does not hash into the file's tree: its sender is banned. */
export class CorruptChunkError extends Error {
  static override name = 'CorruptChunkError'
  override name = 'CorruptChunkError'
  constructor(
    readonly peer: string,
    readonly index: number,
  ) {
    super(`peer ${peer} sent chunk ${index} that does not match the file's hash tree`)
  }
}

/** A peer answered a file or state request outside the protocol. */
export class ProtocolViolationError extends Error {
  static override name = 'ProtocolViolationError'
  override name = 'ProtocolViolationError'
}
