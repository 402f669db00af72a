/** Errors of @weft/bootstrap. Bad configuration throws the built-in TypeError/RangeError. */
export { NotStartedError } from '@libp2p/interface'

/** The bootstrap service stopped while a dial was in flight. */
export class BootstrapStoppedError extends Error {
  static override name = 'BootstrapStoppedError'
  override name = 'BootstrapStoppedError'
}
