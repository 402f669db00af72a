/**
 * Runs one cell of the matrix: starts the listener, reads its address from
 * its stdout, starts the dialer with `listener_addr`, waits for the dialer and
 * for the listener's report about the dialer, then ends the listener. Every
 * wait is bounded; every process started here is ended here.
 */
import { spawn } from 'node:child_process'
import { judge, parseOutput } from './matrix.mjs'
import { PEERS } from './peers.mjs'

/** How long after the dialer exits the listener may take to print its identify report. */
const LISTENER_REPORT_GRACE_MS = 5_000
/** How long a process gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000
/** Kept from each process's stderr for the failure evidence. */
const STDERR_TAIL_LINES = 30

/**
 * @param {import('./matrix.mjs').Cell} cell
 * @param {{ timeoutMs: number, ip?: string }} options
 */
export async function runCase(cell, { timeoutMs, ip = '127.0.0.1' }) {
  const deadline = Date.now() + timeoutMs
  const base = {
    transport: cell.transport,
    security: cell.security,
    muxer: cell.muxer,
    ip,
    test_timeout_seconds: String(Math.ceil(timeoutMs / 1000)),
  }
  const started = performance.now()
  const listener = start(cell.listener, { ...base, is_dialer: 'false' })
  let dialer
  try {
    const address = await listener.waitFor(() => parseOutput(listener.stdout).address, deadline)
    if (address == null) {
      return failure(cell, started, ['listener printed no address'], listener, dialer)
    }
    dialer = start(cell.dialer, { ...base, is_dialer: 'true', listener_addr: address })
    // a dialer may stay connected after its result line (weft's says so with a
    // `{"lingering": true}` line), so that a slow listener can still identify
    // it: wait for the result line or the exit
    await dialer.waitFor(
      () => parseOutput(dialer.stdout).reports.find((r) => typeof r.handshakePlusOneRTTMillis === 'number'),
      deadline,
    )
    // the listener prints its view of the dialer once identify is done; give it a moment
    await listener.waitFor(
      () => parseOutput(listener.stdout).reports.find((r) => r.remote != null),
      Math.min(deadline, Date.now() + LISTENER_REPORT_GRACE_MS),
    )
    // a dialer that said it lingers is ended now; any other exits by itself
    const lingering = parseOutput(dialer.stdout).reports.some((r) => r.lingering === true)
    const dialerExit = lingering ? await dialer.end(deadline) : await dialer.exited(deadline)
    const verdict = judge({ dialerExit, dialerStdout: dialer.stdout, listenerStdout: listener.stdout })
    if (dialerExit === null) verdict.problems.unshift(`timed out after ${timeoutMs} ms`)
    if (!verdict.ok) return failure(cell, started, verdict.problems, listener, dialer)
    return {
      cell,
      ok: true,
      seconds: (performance.now() - started) / 1000,
      handshakePlusOneRTTMillis: verdict.result.handshakePlusOneRTTMillis,
      pingRTTMilllis: verdict.result.pingRTTMilllis,
      echoMillis: verdict.result.echoMillis,
    }
  } finally {
    await Promise.all([dialer?.stop(), listener.stop()])
  }
}

function failure(cell, started, problems, listener, dialer) {
  return {
    cell,
    ok: false,
    seconds: (performance.now() - started) / 1000,
    problems,
    listenerStderr: listener.stderrTail(),
    dialerStderr: dialer?.stderrTail() ?? [],
  }
}

/** Starts a peer program with `env` and collects its output. */
function start(name, env) {
  const { command, args, env: own = {} } = PEERS[name].command()
  const child = spawn(command, args, {
    env: { ...process.env, ...own, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const state = { stdout: '', stderr: [], exit: undefined, changed: () => {} }
  const notify = () => state.changed()
  child.stdout.on('data', (chunk) => {
    state.stdout += chunk
    notify()
  })
  child.stderr.on('data', (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue
      state.stderr.push(line)
      if (state.stderr.length > STDERR_TAIL_LINES) state.stderr.shift()
    }
  })
  child.on('error', (err) => {
    state.stderr.push(`failed to start ${command}: ${err.message}`)
    state.exit ??= -1
    notify()
  })
  child.on('exit', (code, signal) => {
    state.exit = code ?? (signal != null ? -1 : null)
    notify()
  })

  /** Resolves with `probe()`'s first non-null value, or undefined at the deadline or exit. */
  const waitFor = (probe, deadline) =>
    new Promise((resolve) => {
      let timer
      const finish = (value) => {
        clearTimeout(timer)
        state.changed = () => {}
        resolve(value ?? undefined)
      }
      const check = () => {
        const value = probe()
        if (value == null && state.exit === undefined) return false
        finish(value)
        return true
      }
      if (check()) return
      timer = setTimeout(() => finish(probe()), Math.max(0, deadline - Date.now()))
      state.changed = check
    })

  return {
    get stdout() {
      return state.stdout
    },
    stderrTail: () => [...state.stderr],
    waitFor,
    /** The exit code, or null when the deadline came first. */
    exited: async (deadline) => {
      await waitFor(() => (state.exit !== undefined ? true : null), deadline)
      return state.exit === undefined ? null : state.exit
    },
    /**
     * Sends SIGTERM (a lingering dialer exits with its own code on it) and
     * returns the exit code; null when it has not exited by the deadline.
     */
    end: async (deadline) => {
      if (state.exit === undefined && Date.now() < deadline) child.kill('SIGTERM')
      await waitFor(
        () => (state.exit !== undefined ? true : null),
        Math.min(deadline, Date.now() + KILL_GRACE_MS),
      )
      return state.exit === undefined ? null : state.exit
    },
    stop: async () => {
      if (state.exit !== undefined) return
      child.kill('SIGTERM')
      const killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS)
      await new Promise((resolve) => {
        if (state.exit !== undefined) resolve()
        else child.once('exit', () => resolve())
      })
      clearTimeout(killTimer)
    },
  }
}
