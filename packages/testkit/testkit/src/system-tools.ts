/**
 * The system tools some suites need (iproute2's `ip` and `iptables-restore`
 * for network namespaces and NAT routers, Chromium for the browser test),
 * and one rule for a suite whose tool is missing: outside CI it is not run,
 * and says so in its title, `(not run: needs iptables-restore)`, which the
 * test summary lists at the end; in CI (`CI` set) it runs and fails, since
 * CI installs every tool (`scripts/system-tools.mjs`).
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

/** A command (found on PATH, or an absolute path), or `root` for the superuser. */
export type SystemTool = string

/** The places sbin tools live, searched even when PATH lacks them (a non-login root shell). */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin']

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Whether `tool` can be run here. */
export function hasTool(tool: SystemTool): boolean {
  if (tool === 'root') return process.getuid?.() === 0
  if (isAbsolute(tool)) return executable(tool)
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''), ...SBIN]
  return dirs.some((dir) => executable(join(dir, tool)))
}

/** The tools of `tools` that cannot be run here. */
export function missingTools(tools: readonly SystemTool[]): SystemTool[] {
  return tools.filter((tool) => !hasTool(tool))
}

/**
 * `''` when the suite can run (or runs anyway, in CI); otherwise the suffix
 * for its title, ` (not run: needs …)`. Use with `describe.skipIf`:
 *
 * ```ts
 * const notRun = notRunReason(['root', 'ip', 'iptables-restore'])
 * describe.skipIf(notRun !== '')(`the NAT lab${notRun}`, () => { … })
 * ```
 */
export function notRunReason(tools: readonly SystemTool[]): string {
  if (process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false') return ''
  const missing = missingTools(tools)
  return missing.length === 0 ? '' : ` (not run: needs ${missing.join(', ')})`
}
