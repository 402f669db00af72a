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
export const KNOWN_ISSUES = []

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
