/**
 * The events of a weft stream muxer: @libp2p/interface's `StreamMuxerEvents`
 * (`'stream'`) plus `'close'`, a `StreamCloseEvent` dispatched once when the
 * session ends, carrying the error that ended it, if any. yamux and mplex
 * both dispatch it; a connection listens for it to learn why its session
 * failed. A muxer from another stack may never dispatch it: listening
 * changes nothing then.
 */
import type {
  Stream,
  StreamCloseEvent,
  StreamMuxer,
  StreamMuxerEvents,
  TypedEventTarget,
} from '@libp2p/interface'

export interface MuxerEvents<MuxedStream extends Stream = Stream> extends StreamMuxerEvents<MuxedStream> {
  close: StreamCloseEvent
}

/** A muxer seen through `MuxerEvents`: how a connection listens for `'close'` on any muxer. */
export type ClosingMuxer<MuxedStream extends Stream = Stream> = StreamMuxer<MuxedStream> &
  Pick<TypedEventTarget<MuxerEvents<MuxedStream>>, 'addEventListener' | 'removeEventListener'>
