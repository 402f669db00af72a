/**
 * One line per demo step: the time since the demo started and since the
 * previous step, so the reader sees where the time goes.
 */
const started = performance.now()
let last = started

export function step(text: string): void {
  const now = performance.now()
  const total = (now - started).toFixed(1).padStart(7)
  const delta = (now - last).toFixed(1).padStart(6)
  process.stdout.write(`${total} ms  (+${delta} ms)  ${text}\n`)
  last = now
}

/** A line under a step (a command to repeat it by hand, a reply), indented past the times. */
export function detail(text: string): void {
  process.stdout.write(`${' '.repeat(28)}${text}\n`)
}
