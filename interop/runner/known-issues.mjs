/**
 * Cells that fail because of a bug in the other stack, each with its
 * evidence (the other project's issue, or a minimal repro in this folder).
 * A listed cell still runs every time: RESULTS.md shows it as failing with
 * the reason, or flags the entry as stale when the cell passes again. A weft
 * defect never goes here: it is fixed, or reported and left failing.
 *
 * Entry: { match: { dialer?, listener?, transport?, security?, muxer? },
 *          stack: 'py-libp2p 0.8.1', summary: '…', evidence: 'URL or path' }
 */
export const KNOWN_ISSUES = [
  // py-libp2p 0.8.1 libp2p/transport/quic/stream.py: `QUICStream.read()` raises
  // QUICStreamClosedError when the stream's state is CLOSED (line 259-260) before it looks at
  // `_read_closed` (line 262), so a read that should return end-of-stream fails instead, and
  // NetStream.read turns that into StreamReset (network/stream/net_stream.py line 225-232).
  // The state becomes CLOSED while readable data may still be owed when both halves end:
  // a FIN after our own close_write (stream.py line 650-654) or, on an outbound stream, any
  // STOP_SENDING from the remote (`handle_stop_sending`, line 664-687; go-libp2p v0.51.0's
  // p2p/transport/quic/stream.go Close() calls CancelRead before Close, so it sends one with its
  // FIN). Repro: `node interop/runner/run.mjs --peers py
  // --transports quic-v1` fails py x py the same way. Related upstream: libp2p/py-libp2p#1521
  // (half-close / FIN correctness), whose fix (#1522) did not cover this path.
  {
    match: { dialer: 'py', transport: 'quic-v1' },
    stack: 'py-libp2p 0.8.1',
    summary:
      'py-libp2p QUIC: reading to end-of-stream after its own close_write (echo) or after the remote ' +
      "sent STOP_SENDING (go's identify) raises QUICStreamClosedError → StreamReset instead of EOF " +
      '(libp2p/transport/quic/stream.py read(): the CLOSED-state check precedes the FIN check).',
    evidence:
      'py-libp2p 0.8.1 libp2p/transport/quic/stream.py lines 258-266, 650-654, 664-687; ' +
      'py x py fails the same way; https://github.com/libp2p/py-libp2p/issues/1521',
  },
  {
    match: { dialer: 'go', listener: 'py', transport: 'quic-v1' },
    stack: 'py-libp2p 0.8.1',
    summary:
      "py-libp2p QUIC: the py listener's identify of the go dialer reads its outbound stream to EOF; " +
      "go-libp2p's stream Close() sends STOP_SENDING with the FIN, handle_stop_sending marks the outbound " +
      'stream CLOSED and read() raises QUICStreamClosedError → StreamReset instead of EOF.',
    evidence:
      'py-libp2p 0.8.1 libp2p/transport/quic/stream.py lines 258-266 and 664-687; go-libp2p v0.51.0 ' +
      'p2p/transport/quic/stream.go Close() (CancelRead, then Close); ' +
      'https://github.com/libp2p/py-libp2p/issues/1521',
  },
]

/** The entry whose every `match` field equals the cell's, if any. */
export function knownIssue(cell, issues = KNOWN_ISSUES) {
  return issues.find((issue) => Object.entries(issue.match).every(([key, value]) => cell[key] === value))
}

/**
 * Remarks on cells that pass but whose figures need explaining; shown under
 * the table when `when(result)` holds, so a remark disappears with its cause.
 * Entry: { match: {…}, when: (result) => boolean, text: '…' }
 */
export const NOTES = [
  {
    match: { dialer: 'weft', listener: 'rust', muxer: 'mplex' },
    when: (result) => result.ok && result.handshakePlusOneRTTMillis > 10 * result.pingRTTMilllis + 200,
    text:
      "handshake+1RTT includes waiting for the remote to close the ping stream: weft's `PingService.ping()` " +
      "resolves once the remote has closed its end, and rust-libp2p's mplex only queues that Close frame when the " +
      'stream is dropped (libp2p-mplex 0.44 `io.rs` `drop_stream` pushes it to `pending_frames` without waking ' +
      'the connection task), so it leaves with the next traffic on the connection. The ping RTT is not affected.',
  },
]

/** The notes that apply to a finished case. */
export function notesFor(result, notes = NOTES) {
  return notes
    .filter((note) => Object.entries(note.match).every(([key, value]) => result.cell[key] === value))
    .filter((note) => note.when(result))
    .map((note) => note.text)
}
