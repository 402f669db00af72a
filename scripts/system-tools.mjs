#!/usr/bin/env node
/**
 * Makes sure the system tools the test suites need are here, before they
 * start: iproute2 (`ip`: network namespaces), iptables (`iptables-restore`:
 * the NAT lab's routers), procps (`sysctl`: forwarding in a router), coturn
 * (`turnserver`, `turnutils_natdiscovery`: the STUN lab's server and its
 * reference classifier), Chromium (the browser test) and python3-libtorrent (the
 * libtorrent Mainline DHT interop). Run as root where apt-get exists, it installs
 * the missing ones (and only those) with apt-get. Anywhere else it installs
 * nothing and says which suites will be reported as not run, and why.
 *
 * usage: node scripts/system-tools.mjs
 * Exits 0 even when a tool is missing (the suites report it), except in CI
 * (`CI` set), where every tool must end up installed.
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

const TOOLS = [
  { command: 'ip', apt: 'iproute2', suites: 'the network-namespace suites (mDNS, NAT lab)' },
  { command: 'iptables-restore', apt: 'iptables', suites: 'the NAT-lab suites' },
  { command: 'sysctl', apt: 'procps', suites: 'the NAT-lab suites' },
  { command: 'turnserver', apt: 'coturn', suites: 'the STUN lab' },
  { command: 'turnutils_natdiscovery', apt: 'coturn', suites: 'the STUN lab' },
  { command: 'chromium', apt: 'chromium', suites: 'the browser test' },
  { command: 'tmux', apt: 'tmux', suites: 'the QuickChat terminal test' },
  { command: 'miniupnpd', apt: 'miniupnpd', suites: 'the port-mapping lab' },
  { command: 'nft', apt: 'nftables', suites: 'the port-mapping lab' },
  { command: 'mosquitto', apt: 'mosquitto', suites: 'the MQTT signalling tests' },
  // present when some python3 imports it (pyenv's python3 does not see Debian's dist-packages)
  {
    command: 'python3 -c "import libtorrent"',
    probe: { commands: ['python3', '/usr/bin/python3'], args: ['-c', 'import libtorrent'] },
    apt: 'python3-libtorrent',
    suites: 'the libtorrent Mainline DHT interop',
  },
]

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin']

function has(command) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''), ...SBIN]
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

function present(tool) {
  if (tool.probe === undefined) return has(tool.command)
  return tool.probe.commands.some(
    (command) => spawnSync(command, tool.probe.args, { stdio: 'ignore', timeout: 30_000 }).status === 0,
  )
}

const ci = process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false'
let missing = TOOLS.filter((tool) => !present(tool))
if (missing.length === 0) {
  console.log(`system tools: ${TOOLS.map((tool) => tool.command).join(', ')} present`)
  process.exit(0)
}

const root = process.getuid?.() === 0
const apt = has('apt-get')
if (root && apt) {
  const packages = [...new Set(missing.map((tool) => tool.apt))]
  console.log(
    `system tools: installing ${packages.join(' ')} with apt-get (missing: ${missing.map((tool) => tool.command).join(', ')})`,
  )
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  const install =
    update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', ...packages], {
          stdio: ['ignore', 'ignore', 'inherit'],
          env,
        })
      : update
  if (install.status !== 0) console.log(`system tools: apt-get failed (exit ${install.status})`)
  missing = TOOLS.filter((tool) => !present(tool))
} else {
  console.log(`system tools: not installing (${root ? 'no apt-get' : 'not root'})`)
}

for (const tool of missing) {
  console.log(
    `system tools: ${tool.command} missing (Debian package ${tool.apt}): ${tool.suites} will be reported as not run`,
  )
}
if (missing.length > 0 && ci) {
  console.log('system tools: CI must run every suite; install the tools above')
  process.exit(1)
}
