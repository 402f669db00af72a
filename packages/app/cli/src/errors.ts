/**
 * The CLI's errors. Each carries the exit code the process ends with; the
 * message is the one line printed to stderr (no stack unless --debug).
 */

/** A failure the user can act on: bad input, unreachable peer, unreadable file. Exit 1. */
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 1) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** A command whose underlying feature has not landed in this build. Exit 2. */
export class NotAvailableError extends CliError {
  constructor(feature: string) {
    super(`${feature} is not available in this build of weft yet`, 2)
    this.name = 'NotAvailableError'
  }
}

/** The one line printed for any error: CliError's message, else the error's name and message. */
export function describeError(err: unknown): string {
  if (err instanceof CliError) return err.message
  if (err instanceof Error) {
    const message = err.message.split('\n')[0] ?? ''
    return err.name === 'Error' ? message : `${err.name}: ${message}`
  }
  return String(err)
}

export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1
}
