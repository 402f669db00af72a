/**
 * A tiny logger implementing @libp2p/interface's `Logger`. Output goes to
 * stderr when the `DEBUG` environment variable (or `localStorage.debug` in a
 * browser) matches the component name: `DEBUG=weft:*`, `DEBUG=weft:yamux*`.
 * Format placeholders: %s %d %o %j and libp2p's %p (peer id) %a (multiaddr)
 * %e (error) %b (bytes) are all printed with String().
 */
import type { ComponentLogger, Logger } from '@libp2p/interface'

function debugPatterns(): RegExp[] {
  let setting: string | undefined
  try {
    setting = globalThis.process?.env?.DEBUG
    setting ??= (globalThis as { localStorage?: Storage }).localStorage?.getItem('debug') ?? undefined
  } catch {
    setting = undefined
  }
  if (setting == null || setting === '') return []
  return setting
    .split(/[\s,]+/)
    .filter((part) => part !== '' && !part.startsWith('-'))
    .map((part) => new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`))
}

const patterns = debugPatterns()

function format(formatter: unknown, args: unknown[]): string {
  if (typeof formatter !== 'string') return [formatter, ...args].map(render).join(' ')
  let index = 0
  const text = formatter.replace(/%([sdoOjpaeb%c])/g, (match, code: string) => {
    if (code === '%') return '%'
    if (index >= args.length) return match
    return render(args[index++])
  })
  const rest = args.slice(index).map(render)
  return rest.length > 0 ? `${text} ${rest.join(' ')}` : text
}

function render(value: unknown): string {
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`
  if (typeof value === 'object' && value !== null) {
    try {
      return typeof (value as { toString?: unknown }).toString === 'function' &&
        (value as object).toString !== Object.prototype.toString
        ? String(value)
        : JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
    } catch {
      return String(value)
    }
  }
  return String(value)
}

function write(name: string, formatter: unknown, args: unknown[]): void {
  console.error(`${new Date().toISOString()} ${name} ${format(formatter, args)}`)
}

/**
 * Without `DEBUG` every logger is this one: loggers are made per connection
 * and per stream, and four closures each add up on thousands of them.
 */
const SILENT: Logger = Object.assign((): void => {}, {
  error: (): void => {},
  trace: (): void => {},
  enabled: false,
  newScope: (): Logger => SILENT,
})

/** A logger for `name`; its `trace` level is `name:trace`. */
export function logger(name: string): Logger {
  if (patterns.length === 0) return SILENT
  const enabled = patterns.some((pattern) => pattern.test(name))
  const traceEnabled = patterns.some((pattern) => pattern.test(`${name}:trace`))
  const errorEnabled = patterns.some((pattern) => pattern.test(`${name}:error`)) || enabled
  const log = ((formatter: unknown, ...args: unknown[]) => {
    if (enabled) write(name, formatter, args)
  }) as Logger
  log.error = (formatter: unknown, ...args: unknown[]) => {
    if (errorEnabled) write(`${name}:error`, formatter, args)
  }
  log.trace = (formatter: unknown, ...args: unknown[]) => {
    if (traceEnabled) write(`${name}:trace`, formatter, args)
  }
  log.enabled = enabled
  log.newScope = (scope: string) => logger(`${name}:${scope}`)
  return log
}

/** The `ComponentLogger` a host hands its components. */
export function defaultLogger(prefix = 'weft'): ComponentLogger {
  return { forComponent: (name: string) => logger(name.startsWith(prefix) ? name : `${prefix}:${name}`) }
}
