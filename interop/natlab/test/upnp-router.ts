/**
 * A home router that runs miniupnpd (UPnP IGD v1 or v2, NAT-PMP, PCP and
 * IPv6 pinholes) for the port-mapping lab, built beside a `NatLab`'s public
 * namespace:
 *
 *   public namespace br0 (+ 11.77.0.1/24, fd77::1/64)
 *     └─ veth ── router wan 11.77.0.11/24, fd77::11/64 ── lan 10.77.9.1/24, fd77:9::1/64
 *                nftables: masquerade out of wan, forward drop inbound
 *                except what miniupnpd opens ── host 10.77.9.2, fd77:9::2
 *
 * The WAN address is outside every reserved range (miniupnpd refuses to map
 * on a private or documentation address), which is harmless here: the lab's
 * namespaces reach nothing beyond themselves. miniupnpd's nftables backend
 * (Debian's 2.3.1 build) fills three chains this router makes for it:
 * `inet filter miniupnpd` (forward accepts and IPv6 pinholes), `inet nat
 * prerouting_miniupnpd` (DNAT) and `inet nat postrouting_miniupnpd`.
 */
import type { ChildProcess } from 'node:child_process'
import { execFile, execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { NatLab } from './nat-lab.js'

const run = promisify(execFile)

export const ROUTER_WAN = '11.77.0.11'
export const OUTSIDE_ADDRESS = '11.77.0.1'
export const ROUTER_LAN = '10.77.9.1'
export const HOST_ADDRESS = '10.77.9.2'
export const ROUTER_LAN6 = 'fd77:9::1'
export const HOST_ADDRESS6 = 'fd77:9::2'
export const OUTSIDE_ADDRESS6 = 'fd77::1'

/** The chains miniupnpd writes, as `nft list chain` arguments. */
export const MINIUPNPD_CHAINS = [
  ['inet', 'filter', 'miniupnpd'],
  ['inet', 'nat', 'prerouting_miniupnpd'],
  ['inet', 'nat', 'postrouting_miniupnpd'],
] as const

const RULESET = `
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" accept
    jump miniupnpd
  }
  chain miniupnpd {
  }
}
table inet nat {
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "wan" meta nfproto ipv4 masquerade
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
}
`

export interface MiniupnpdOptions {
  /** advertise IGD v1 (force_igd_desc_v1=yes) instead of v2 */
  igdV1: boolean
  /** answer NAT-PMP and PCP (enable_natpmp) */
  natPmp: boolean
  /** answer UPnP (enable_upnp) */
  upnp: boolean
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 10_000 })
}

async function inNamespace(namespace: string, command: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', namespace, command, ...args], { timeout: 10_000 })
  return stdout
}

export class UpnpRouter {
  private daemon?: ChildProcess
  private daemonLog = ''

  private constructor(
    private readonly lab: NatLab,
    readonly router: string,
    readonly host: string,
  ) {}

  /** Builds the router and its LAN host next to `lab`'s public namespace. */
  static async create(lab: NatLab): Promise<UpnpRouter> {
    const router = `${lab.prefix}-upnp-r`
    const host = `${lab.prefix}-upnp`
    const made = new UpnpRouter(lab, router, host)
    process.once('exit', () => {
      for (const namespace of [host, router]) {
        try {
          execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' })
        } catch {
          // already gone
        }
      }
    })
    const pub = lab.publicNamespace
    for (const namespace of [router, host]) {
      await ip('netns', 'add', namespace)
      await ip('-n', namespace, 'link', 'set', 'lo', 'up')
    }
    await ip('-n', pub, 'addr', 'add', `${OUTSIDE_ADDRESS}/24`, 'dev', 'br0')
    await ip('-n', pub, 'addr', 'add', `${OUTSIDE_ADDRESS6}/64`, 'dev', 'br0', 'nodad')
    await ip('link', 'add', 'wan', 'netns', router, 'type', 'veth', 'peer', 'name', 'pupnp', 'netns', pub)
    await ip('-n', pub, 'link', 'set', 'pupnp', 'master', 'br0', 'up')
    await ip('-n', router, 'addr', 'add', `${ROUTER_WAN}/24`, 'dev', 'wan')
    await ip('-n', router, 'addr', 'add', 'fd77::11/64', 'dev', 'wan', 'nodad')
    await ip('-n', router, 'link', 'set', 'wan', 'up')
    await ip('link', 'add', 'lan', 'netns', router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host)
    await ip('-n', router, 'addr', 'add', `${ROUTER_LAN}/24`, 'dev', 'lan')
    await ip('-n', router, 'addr', 'add', `${ROUTER_LAN6}/64`, 'dev', 'lan', 'nodad')
    await ip('-n', router, 'link', 'set', 'lan', 'up')
    await ip('-n', host, 'addr', 'add', `${HOST_ADDRESS}/24`, 'dev', 'eth0')
    await ip('-n', host, 'addr', 'add', `${HOST_ADDRESS6}/64`, 'dev', 'eth0', 'nodad')
    await ip('-n', host, 'link', 'set', 'eth0', 'up')
    await ip('-n', host, 'route', 'add', 'default', 'via', ROUTER_LAN)
    await ip('-n', host, '-6', 'route', 'add', 'default', 'via', ROUTER_LAN6)
    await ip('-n', pub, '-6', 'route', 'add', 'fd77:9::/64', 'via', 'fd77::11')
    await inNamespace(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
    await inNamespace(router, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1')
    const rules = join(tmpdir(), `${router}.nft`)
    await writeFile(rules, RULESET)
    await inNamespace(router, 'nft', '-f', rules)
    return made
  }

  /** Starts miniupnpd with a config written for `options` and waits until it listens. */
  async startDaemon(options: MiniupnpdOptions): Promise<void> {
    await this.stopDaemon()
    const config = join(tmpdir(), `${this.router}-miniupnpd.conf`)
    await writeFile(
      config,
      [
        'ext_ifname=wan',
        `ext_ip=${ROUTER_WAN}`,
        'listening_ip=lan',
        'http_port=5000',
        `enable_upnp=${options.upnp ? 'yes' : 'no'}`,
        `enable_natpmp=${options.natPmp ? 'yes' : 'no'}`,
        'secure_mode=yes',
        'system_uptime=no',
        `force_igd_desc_v1=${options.igdV1 ? 'yes' : 'no'}`,
        'upnp_table_name=filter',
        'upnp_nat_table_name=nat',
        'upnp_forward_chain=miniupnpd',
        'upnp_nat_chain=prerouting_miniupnpd',
        'upnp_nat_postrouting_chain=postrouting_miniupnpd',
        'min_lifetime=60',
        'max_lifetime=86400',
        'uuid=3a9e2b3c-6a1f-4d7e-9a51-5c0f3f4c2a10',
        `allow 1024-65535 ${HOST_ADDRESS}/32 1024-65535`,
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    )
    this.daemonLog = ''
    const daemon = this.lab.spawnProgram(this.router, 'miniupnpd', [
      '-d',
      '-f',
      config,
      '-P',
      join(tmpdir(), `${this.router}.pid`),
    ])
    this.daemon = daemon
    daemon.stderr!.on('data', (chunk) => {
      this.daemonLog = (this.daemonLog + String(chunk)).slice(-8_000)
    })
    daemon.stdout!.resume()
    const started = Date.now()
    while (
      !/Listening for NAT-PMP|HTTP listening on port/.test(this.daemonLog) ||
      (options.upnp && !/HTTP listening/.test(this.daemonLog)) ||
      (options.natPmp && !/Listening for NAT-PMP/.test(this.daemonLog))
    ) {
      if (daemon.exitCode != null) throw new Error(`miniupnpd exited (${daemon.exitCode}): ${this.daemonLog}`)
      if (Date.now() - started > 10_000) throw new Error(`miniupnpd did not start in 10 s: ${this.daemonLog}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  async stopDaemon(): Promise<void> {
    const daemon = this.daemon
    this.daemon = undefined
    if (daemon == null || daemon.exitCode != null || daemon.signalCode != null) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        daemon.kill('SIGKILL')
        resolve()
      }, 3_000)
      daemon.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      daemon.kill('SIGTERM')
    })
  }

  /** miniupnpd's log so far (its stderr with -d). */
  get log(): string {
    return this.daemonLog
  }

  /** The rules in miniupnpd's chains, one string per rule. */
  async rules(): Promise<string[]> {
    const out: string[] = []
    for (const chain of MINIUPNPD_CHAINS) {
      const listing = await inNamespace(this.router, 'nft', 'list', 'chain', ...chain)
      const body = listing.split('\n').map((line) => line.trim())
      const start = body.findIndex((line) => line.startsWith(`chain ${chain[2]} {`))
      for (const line of body.slice(start + 1)) {
        if (line === '}' || line === '') break
        out.push(`${chain.join(' ')}: ${line}`)
      }
    }
    return out
  }

  async destroy(): Promise<void> {
    await this.stopDaemon()
    for (const namespace of [this.host, this.router]) {
      try {
        await ip('netns', 'del', namespace)
      } catch {
        // never made
      }
    }
  }
}
