/**
 * Errors thrown by @weft/peer-id: the `@libp2p/interface` classes, so code
 * matching on `.name` treats weft and js-libp2p peer ids alike.
 */
export {
  InvalidCIDError,
  InvalidMultihashError,
  InvalidPeerIdError,
  UnsupportedKeyTypeError,
} from '@libp2p/interface'
