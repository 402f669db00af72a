/**
 * The NAT lab: network namespaces joined by veth pairs, with routers that NAT
 * through iptables, built by a test and torn down after it.
 *
 *   public namespace: bridge br0 = 198.51.100.1-3/24 (the relay and probe
 *   servers live here)
 *     ├─ veth ── router i (wan 198.51.100.<10+i>) ── veth ── host i (10.77.<i>.2,
 *     │          NAT per `NatType`, ip_forward on)         default via 10.77.<i>.1
 *     └─ veth ── host j (198.51.100.<10+j>, type 'none': no NAT)
 *
 * NAT types (iptables in the router's namespace):
 * - 'port-restricted': MASQUERADE — endpoint-independent mapping (source port
 *   kept when free) with address-and-port-dependent filtering;
 * - 'full-cone': MASQUERADE plus a DNAT of every unsolicited inbound packet to
 *   the one LAN host (endpoint-independent filtering);
 * - 'symmetric': MASQUERADE --random-fully — a new random port per destination;
 * - 'none': the host sits on the public bridge.
 * Types only the STUN lab builds (not in `NAT_TYPES`, so the suites that
 * iterate that list are unchanged):
 * - 'address-restricted': the full cone's DNAT, but an unsolicited packet is
 *   let in only from an address the LAN has sent to (xt_recent list
 *   `contacted`, keyed on the remote address; `clearContacted()` empties it);
 * - 'symmetric-sequential': each new UDP mapping gets the next WAN port of
 *   20000..20063 (xt_statistic nth rules), whatever the destination, and
 *   each new TCP connection the next of 30000..30063;
 * - 'udp-blocked': MASQUERADE, and every UDP packet from the LAN dropped.
 * One type only the STUN lab builds, and not a `NatType` at all (suites key
 * records on `NatType`), so only a `NatLab<LabNatType>` can hold it:
 * - 'symmetric-preserving': a new mapping per destination that keeps the
 *   LAN source port when no earlier mapping has used it; a port already
 *   used (by this socket towards another destination, or by another LAN
 *   host) collides, and the mapping gets a random WAN port of
 *   `COLLISION_PORTS` instead (see `preservingRules`).
 * Routers DROP unsolicited inbound packets (no RST, no ICMP), as home routers
 * do: a RST would make conntrack remap the peer's punch.
 *
 * Every name carries a per-lab prefix, so labs in parallel test files never
 * meet; `destroy()` (and a process 'exit' hook) deletes every namespace made.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { notRunReason } from '@weft/testkit'

/**
 * `''` when the lab can be built here; otherwise the ` (not run: needs …)`
 * suffix every lab suite adds to its title (see @weft/testkit's
 * `notRunReason`): the lab needs root, iproute2, iptables and sysctl.
 */
export const LAB_NOT_RUN = notRunReason(['root', 'ip', 'iptables-restore', 'sysctl'])

const run = promisify(execFile)

export type NatType =
  | 'none'
  | 'port-restricted'
  | 'full-cone'
  | 'symmetric'
  | 'address-restricted'
  | 'symmetric-sequential'
  | 'udp-blocked'

/** The STUN lab's router type that no other suite builds (see the file comment). */
export type StunOnlyNatType = 'symmetric-preserving'

/** Every router type a lab can build. */
export type LabNatType = NatType | StunOnlyNatType

export const NAT_TYPES: readonly NatType[] = ['none', 'port-restricted', 'full-cone', 'symmetric']

/** Every type the lab can build: `NAT_TYPES` and the STUN lab's extra ones. */
export const ALL_NAT_TYPES: readonly NatType[] = [
  ...NAT_TYPES,
  'address-restricted',
  'symmetric-sequential',
  'udp-blocked',
]

/** The STUN lab's types: `ALL_NAT_TYPES` and 'symmetric-preserving'. */
export const STUN_NAT_TYPES: readonly LabNatType[] = [...ALL_NAT_TYPES, 'symmetric-preserving']

/**
 * The WAN ports a 'symmetric-preserving' router gives a mapping whose LAN
 * port collided: below Linux's ephemeral range (32768..60999), so a collided
 * mapping never takes a port a fresh socket will ask to keep.
 */
export const COLLISION_PORTS = { first: 1_024, last: 32_767 } as const

/** How long a 'symmetric-preserving' router remembers that a LAN port was used, ms (longer than conntrack keeps a UDP flow). */
const PORT_MEMORY_MS = 600_000

/**
 * The SNAT rules of a 'symmetric-preserving' router, per protocol. Linux
 * keeps the source port whenever the whole 5-tuple stays unique, so plain
 * MASQUERADE reuses one port for every destination (endpoint-independent).
 * Here an xt_hashlimit bucket per LAN source port (one token, refilled once
 * a day) lets only the first new flow from that port through to MASQUERADE;
 * every later one, whichever LAN host or destination, has collided with it
 * and goes to a random port of `COLLISION_PORTS` (`--random-fully` so Linux
 * does not reuse that socket's earlier collided port either).
 */
function preservingRules(wanAddress: string): string[] {
  const { first, last } = COLLISION_PORTS
  return ['udp', 'tcp'].flatMap((protocol) => [
    `-A POSTROUTING -o wan -p ${protocol} -m hashlimit --hashlimit-name kept-${protocol} --hashlimit-mode srcport --hashlimit-upto 1/day --hashlimit-burst 1 --hashlimit-htable-expire ${PORT_MEMORY_MS} --hashlimit-htable-max 4096 -j MASQUERADE`,
    `-A POSTROUTING -o wan -p ${protocol} -j SNAT --to-source ${wanAddress}:${first}-${last} --random-fully`,
  ])
}

/** The WAN ports a 'symmetric-sequential' router hands out, in turn. */
export const SEQUENTIAL_PORTS = { first: 20_000, count: 64 } as const

/**
 * The same for new TCP connections (the ladder lab punches TCP): connection
 * k leaves from WAN port first + (k mod count), whatever the destination.
 */
export const SEQUENTIAL_TCP_PORTS = { first: 30_000, count: 64 } as const

/** The SNAT rules of a 'symmetric-sequential' router for TCP: new connection k gets port first + (k mod count). */
function sequentialTcpRules(wanAddress: string): string[] {
  const { first, count } = SEQUENTIAL_TCP_PORTS
  return Array.from(
    { length: count },
    (_, k) =>
      `-A POSTROUTING -o wan -p tcp -m statistic --mode nth --every ${count - k} --packet 0 -j SNAT --to-source ${wanAddress}:${first + k}`,
  )
}

/** The SNAT rules of a 'symmetric-sequential' router: new UDP mapping k gets port first + (k mod count). */
function sequentialRules(wanAddress: string): string[] {
  const { first, count } = SEQUENTIAL_PORTS
  // rule k sees only the packets the rules before it let through, so
  // `--every (count - k) --packet 0` takes exactly one in `count`, in turn
  return Array.from(
    { length: count },
    (_, k) =>
      `-A POSTROUTING -o wan -p udp -m statistic --mode nth --every ${count - k} --packet 0 -j SNAT --to-source ${wanAddress}:${first + k}`,
  )
}

/** The public namespace's addresses: three, so probes can come from distinct endpoints. */
export const PUBLIC_ADDRESSES = ['198.51.100.1', '198.51.100.2', '198.51.100.3'] as const

export interface LabHost<T extends LabNatType = NatType> {
  name: string
  nat: T
  /** the namespace the host's programs run in */
  namespace: string
  /** the host's own address (private behind a NAT) */
  address: string
  /** the address the public side sees: the router's WAN address, or the host's own */
  publicAddress: string
  /** the router's namespace (undefined for 'none') */
  router?: string
}

let labCounter = 0
const liveNamespaces = new Set<string>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const namespace of liveNamespaces) {
      try {
        execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' })
      } catch {
        // already gone
      }
    }
  })
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 10_000 })
}

async function inNamespace(
  namespace: string,
  command: string,
  args: string[],
  input?: string,
): Promise<void> {
  if (input == null) {
    await run('ip', ['netns', 'exec', namespace, command, ...args], { timeout: 10_000 })
    return
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk)
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr}`)),
    )
    child.stdin.end(input)
  })
}

/** The iptables-restore ruleset of a router of `nat` type whose LAN host is `lanHost`. */
export function routerRules(nat: Exclude<LabNatType, 'none'>, lanHost: string, wanAddress = ''): string {
  const masquerade =
    nat === 'symmetric' || nat === 'symmetric-sequential' ? 'MASQUERADE --random-fully' : 'MASQUERADE'
  const forwardsAll = nat === 'full-cone' || nat === 'address-restricted'
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...(nat === 'symmetric-sequential' ? sequentialRules(wanAddress) : []),
    ...(nat === 'symmetric-sequential' ? sequentialTcpRules(wanAddress) : []),
    ...(nat === 'symmetric-preserving' ? preservingRules(wanAddress) : []),
    `-A POSTROUTING -o wan -j ${masquerade}`,
    ...(forwardsAll ? [`-A PREROUTING -i wan -j DNAT --to-destination ${lanHost}`] : []),
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A INPUT -i wan -j DROP',
    '-A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    ...(nat === 'udp-blocked' ? ['-A FORWARD -i lan -p udp -j DROP'] : []),
    ...(nat === 'address-restricted'
      ? [
          // remember every address the LAN sends to; let unsolicited packets in only from those
          '-A FORWARD -i lan -m recent --name contacted --rdest --set',
          '-A FORWARD -i wan -m conntrack --ctstate DNAT -m recent --name contacted --rsource --rcheck -j ACCEPT',
          '-A FORWARD -i lan -p tcp --tcp-flags RST RST -m conntrack --ctstate DNAT -j DROP',
        ]
      : []),
    ...(nat === 'full-cone'
      ? [
          '-A FORWARD -i wan -m conntrack --ctstate DNAT -j ACCEPT',
          // the LAN host answers an unsolicited SYN it has no socket for with a
          // RST; conntrack would end the mapping on it and remap the host's own
          // punch to the same peer, which an endpoint-independent NAT never
          // does. Dropping that RST keeps the mapping, so the host's SYN meets
          // the peer's as a simultaneous open.
          '-A FORWARD -i lan -p tcp --tcp-flags RST RST -m conntrack --ctstate DNAT -j DROP',
        ]
      : []),
    '-A FORWARD -i wan -j DROP',
    'COMMIT',
    '',
  ].join('\n')
}

/** A lab; `T` widens to `LabNatType` only for the STUN lab (`NatLab.create<LabNatType>`). */
export class NatLab<T extends LabNatType = NatType> {
  readonly prefix: string
  readonly publicNamespace: string
  readonly hosts = new Map<string, LabHost<T>>()
  private readonly namespaces: string[] = []
  private readonly children = new Set<ChildProcess>()

  private constructor() {
    this.prefix = `wl${process.pid.toString(36)}${(labCounter++).toString(36)}`
    this.publicNamespace = `${this.prefix}-pub`
  }

  /** Builds the public namespace and one host per entry of `hosts` (name → NAT type). */
  static async create<T extends LabNatType = NatType>(hosts: Record<string, NoInfer<T>>): Promise<NatLab<T>> {
    installExitHook()
    const lab = new NatLab<T>()
    try {
      await lab.addNamespace(lab.publicNamespace)
      const pub = lab.publicNamespace
      await ip('-n', pub, 'link', 'add', 'br0', 'type', 'bridge')
      for (const address of PUBLIC_ADDRESSES)
        await ip('-n', pub, 'addr', 'add', `${address}/24`, 'dev', 'br0')
      await ip('-n', pub, 'link', 'set', 'br0', 'up')
      let index = 0
      for (const [name, nat] of Object.entries(hosts)) await lab.addHost(name, nat, ++index)
    } catch (err) {
      await lab.destroy()
      throw err
    }
    return lab
  }

  host(name: string): LabHost<T> {
    const host = this.hosts.get(name)
    if (host == null) throw new Error(`the lab has no host ${name}`)
    return host
  }

  /** Starts `node ...nodeArgs <script> ...args` inside `namespace`; killed by `destroy()`. */
  spawnNode(namespace: string, script: string, args: string[] = [], nodeArgs: string[] = []): ChildProcess {
    return this.spawnProgram(namespace, process.execPath, [...nodeArgs, script, ...args])
  }

  /** Starts `command ...args` (any program, e.g. the go peer) inside `namespace`; killed by `destroy()`. */
  spawnProgram(namespace: string, command: string, args: string[] = []): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    return child
  }

  /**
   * Empties an 'address-restricted' router's list of contacted addresses,
   * so the next discovery meets a router that has seen nothing.
   */
  async clearContacted(name: string): Promise<void> {
    const host = this.host(name)
    if (host.router == null) return
    if (host.nat === 'address-restricted')
      await inNamespace(host.router, 'sh', ['-c', 'echo / > /proc/net/xt_recent/contacted'])
  }

  /** Kills every program started here and deletes every namespace. */
  async destroy(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode != null || child.signalCode != null) return resolve()
            const timer = setTimeout(() => {
              child.kill('SIGKILL')
              resolve()
            }, 2_000)
            child.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            child.kill('SIGTERM')
          }),
      ),
    )
    this.children.clear()
    for (const namespace of this.namespaces.splice(0).reverse()) {
      try {
        await ip('netns', 'del', namespace)
      } catch {
        // it was never fully made
      }
      liveNamespaces.delete(namespace)
    }
  }

  private async addNamespace(namespace: string): Promise<void> {
    await ip('netns', 'add', namespace)
    this.namespaces.push(namespace)
    liveNamespaces.add(namespace)
    await ip('-n', namespace, 'link', 'set', 'lo', 'up')
  }

  private async addHost(name: string, nat: T, index: number): Promise<void> {
    const pub = this.publicNamespace
    const wanAddress = `198.51.100.${10 + index}`
    const namespace = `${this.prefix}-${name}`
    await this.addNamespace(namespace)
    const port = `p${index}`
    if (nat === 'none') {
      await ip('link', 'add', 'eth0', 'netns', namespace, 'type', 'veth', 'peer', 'name', port, 'netns', pub)
      await ip('-n', pub, 'link', 'set', port, 'master', 'br0', 'up')
      await ip('-n', namespace, 'addr', 'add', `${wanAddress}/24`, 'dev', 'eth0')
      await ip('-n', namespace, 'link', 'set', 'eth0', 'up')
      this.hosts.set(name, { name, nat, namespace, address: wanAddress, publicAddress: wanAddress })
      return
    }
    const router = `${this.prefix}-${name}-r`
    await this.addNamespace(router)
    const lanHost = `10.77.${index}.2`
    await ip('link', 'add', 'wan', 'netns', router, 'type', 'veth', 'peer', 'name', port, 'netns', pub)
    await ip('-n', pub, 'link', 'set', port, 'master', 'br0', 'up')
    await ip('-n', router, 'addr', 'add', `${wanAddress}/24`, 'dev', 'wan')
    await ip('-n', router, 'link', 'set', 'wan', 'up')
    await ip(
      'link',
      'add',
      'lan',
      'netns',
      router,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      namespace,
    )
    await ip('-n', router, 'addr', 'add', `10.77.${index}.1/24`, 'dev', 'lan')
    await ip('-n', router, 'link', 'set', 'lan', 'up')
    await ip('-n', namespace, 'addr', 'add', `${lanHost}/24`, 'dev', 'eth0')
    await ip('-n', namespace, 'link', 'set', 'eth0', 'up')
    await ip('-n', namespace, 'route', 'add', 'default', 'via', `10.77.${index}.1`)
    await inNamespace(router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1'])
    await inNamespace(router, 'iptables-restore', [], routerRules(nat, lanHost, wanAddress))
    this.hosts.set(name, { name, nat, namespace, address: lanHost, publicAddress: wanAddress, router })
  }
}
