/**
 * Progress of `weft get`: a cli-progress bar (bytes, rate, peers, ETA) when
 * the stream is a terminal, else one plain line at most every `interval` ms
 * and one at the end, so a log file or a pipe gets readable text and no
 * carriage returns or escape codes.
 */
import { Presets, SingleBar } from 'cli-progress'

export interface ProgressSnapshot {
  /** bytes verified and on disk */
  bytes: number
  total: number
  /** bytes a second */
  rate: number
  /** peers serving chunks right now */
  peers: number
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** `1536` → `1.5 KiB`; bytes below 1 KiB are whole. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Number.isFinite(bytesPerSecond) ? bytesPerSecond : 0)}/s`
}

function percent(progress: ProgressSnapshot): number {
  return progress.total === 0 ? 100 : Math.floor((progress.bytes / progress.total) * 100)
}

function peers(count: number): string {
  return `${count} ${count === 1 ? 'peer' : 'peers'}`
}

/** The line printed when the output is not a terminal. */
export function plainLine(progress: ProgressSnapshot): string {
  return `${formatBytes(progress.bytes)} of ${formatBytes(progress.total)} (${percent(progress)}%), ${formatRate(progress.rate)}, ${peers(progress.peers)}`
}

export interface ProgressView {
  update(progress: ProgressSnapshot): void
  /** Draws the last state and leaves the bar (or line) on screen. */
  stop(progress?: ProgressSnapshot): void
}

export interface ProgressViewInit {
  stream: NodeJS.WritableStream & { isTTY?: boolean }
  /** least time between two plain lines, ms (default 1 000) */
  interval?: number
  now?: () => number
}

export const BAR_FORMAT = '{bar} {percentage}% | {done} / {size} | {speed} | {peers} | ETA {eta_formatted}'

export function progressView(init: ProgressViewInit): ProgressView {
  return init.stream.isTTY === true ? terminalView(init) : plainView(init)
}

function payload(progress: ProgressSnapshot): Record<string, string> {
  return {
    done: formatBytes(progress.bytes),
    size: formatBytes(progress.total),
    speed: formatRate(progress.rate),
    peers: peers(progress.peers),
  }
}

function terminalView(init: ProgressViewInit): ProgressView {
  const bar = new SingleBar(
    { format: BAR_FORMAT, stream: init.stream, hideCursor: true, barsize: 30, fps: 10 },
    Presets.shades_classic,
  )
  let started = false
  const draw = (progress: ProgressSnapshot): void => {
    if (!started) {
      started = true
      bar.start(progress.total, progress.bytes, payload(progress))
    } else {
      bar.setTotal(progress.total)
      bar.update(progress.bytes, payload(progress))
    }
  }
  return {
    update: draw,
    stop(progress) {
      if (progress != null) draw(progress)
      if (started) bar.stop()
    },
  }
}

function plainView(init: ProgressViewInit): ProgressView {
  const interval = init.interval ?? 1000
  const now = init.now ?? Date.now
  let last: number | undefined
  let latest: ProgressSnapshot | undefined
  let printed: ProgressSnapshot | undefined
  const print = (progress: ProgressSnapshot): void => {
    init.stream.write(`${plainLine(progress)}\n`)
    printed = progress
    last = now()
  }
  return {
    update(progress) {
      latest = progress
      if (last == null || now() - last >= interval) print(progress)
    },
    stop(progress) {
      const final = progress ?? latest
      if (final != null && final !== printed) print(final)
    },
  }
}
