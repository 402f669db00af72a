/**
 * The network report as a host service: one report kept up to date.
 *
 * - Interfaces: read at start, polled every `interfacePollInterval` (30 s)
 *   and at once on the host's address events (`transport:listening`,
 *   `transport:close`, `self:peer:update`).
 * - NAT and TURN: measured after start, again every `natRecheckInterval`
 *   (10 min) and at once when the routable interface addresses change. One
 *   measurement at a time; a request during one runs once after it.
 * - Port mapping and reachability: read from the services wired in (init,
 *   or found by shape in `services()`), on their events; AutoNAT v1's verdict
 *   also from the host's `weft:reachability` event with no wiring.
 * - `'change'` names the parts that changed; timestamps and round-trip times
 *   alone are no change.
 * - `advertise` (see advertise.ts) confirms addresses with the address manager.
 *
 * Every timer is a single `setTimeout`, cleared on stop; stop aborts the
 * measurement in flight and removes every address it confirmed.
 */

import { networkInterfaces } from 'node:os'
import type { ComponentLogger, Libp2pEvents, Logger, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { LightEventTarget } from '@weft/utils'
import { ADVERTISE_MODES, type AdvertiseMode, addressesToAdvertise } from './advertise.js'
import { ServiceStoppedError } from './errors.js'
import { type ProbeTarget, probeTargets, readInterfaces } from './interfaces.js'
import { checkServers, serversOf } from './nat-probe.js'
import {
  checkAllocationSamples,
  measureNat,
  measureTurn,
  portMappingOf,
  type ReportOptions,
  reachabilityOf,
} from './report.js'
import {
  type AddressReachabilitySource,
  findSources,
  type PortMappingSource,
  type ReachabilitySource,
  SOURCE_EVENTS,
  type Sources,
} from './sources.js'
import {
  type NatEntry,
  type NetworkReport,
  type ReachabilityEntry,
  type ReportPart,
  SCHEMA,
  type ServerAddress,
} from './types.js'

/** A service, or a function returning it (called at start, once every service exists). */
export type SourceOption<T> = T | (() => T | undefined)

export interface NetworkReportInit
  extends Omit<ReportOptions, 'signal' | 'portMapping' | 'autonat' | 'autonatV2'> {
  /** ms between interface polls (30 000; 100 .. 3 600 000) */
  interfacePollInterval?: number
  /** ms between NAT (and TURN) re-checks (600 000; 1 000 .. 86 400 000) */
  natRecheckInterval?: number
  portMapping?: SourceOption<PortMappingSource>
  autonat?: SourceOption<ReachabilitySource>
  autonatV2?: SourceOption<AddressReachabilitySource>
  /** the host's services, searched by shape at start for whichever of the three is not given */
  services?: () => Record<string, unknown> | undefined
  /** addresses to confirm with the address manager, so identify advertises them ('none') */
  advertise?: AdvertiseMode
}

export interface NetworkReportComponents {
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  /** needed only with `advertise` other than 'none' */
  addressManager?: {
    addObservedAddr(address: Multiaddr): void
    confirmObservedAddr(address: Multiaddr): void
    removeObservedAddr(address: Multiaddr): void
  }
}

export interface ReportChange {
  report: NetworkReport
  parts: ReportPart[]
}

export interface NetworkReportEvents {
  change: CustomEvent<ReportChange>
}

export const REACHABILITY_EVENT = 'weft:reachability'
const HOST_ADDRESS_EVENTS = ['transport:listening', 'transport:close', 'self:peer:update'] as const

function interval(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const ms = value ?? fallback
  if (!Number.isFinite(ms) || ms < min || ms > max)
    throw new RangeError(`${name} must be ${min}..${max} ms, got ${ms}`)
  return ms
}

function resolve<T>(option: SourceOption<T> | undefined): T | undefined {
  return typeof option === 'function' ? (option as () => T | undefined)() : option
}

/** A part's identity for change detection: without times and round-trip times. */
function partKey(report: NetworkReport, part: ReportPart): string {
  return JSON.stringify(report[part], (key, value: unknown) =>
    key === 'measuredAt' || key === 'rtt' ? undefined : value,
  )
}

export class NetworkReportService extends LightEventTarget<NetworkReportEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/network-report'
  private readonly log: Logger
  private readonly stunServers: ServerAddress[]
  private readonly turnServers: ServerAddress[]
  private readonly pollInterval: number
  private readonly recheckInterval: number
  private readonly advertise: AdvertiseMode
  private report: NetworkReport
  private sources: Sources = {}
  private hostVerdict: ReachabilityEntry['host'] = 'unknown'
  private running = false
  private controller?: AbortController
  private pollTimer?: ReturnType<typeof setTimeout>
  private recheckTimer?: ReturnType<typeof setTimeout>
  private measuring?: Promise<void>
  private measureAgain = false
  private readonly advertised = new Map<string, Multiaddr>()

  constructor(
    private readonly components: NetworkReportComponents,
    private readonly init: NetworkReportInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:network-report')
    this.stunServers = checkServers('stunServers', init.stunServers)
    this.turnServers = checkServers('turnServers', init.turnServers)
    checkAllocationSamples(init.allocationSamples)
    this.pollInterval = interval('interfacePollInterval', init.interfacePollInterval, 30_000, 100, 3_600_000)
    this.recheckInterval = interval('natRecheckInterval', init.natRecheckInterval, 600_000, 1_000, 86_400_000)
    this.advertise = init.advertise ?? 'none'
    if (!ADVERTISE_MODES.includes(this.advertise))
      throw new TypeError(
        `advertise must be one of ${ADVERTISE_MODES.join(', ')}, got ${String(init.advertise)}`,
      )
    if (this.advertise !== 'none' && components.addressManager == null)
      throw new TypeError(`advertise '${this.advertise}' needs the host's addressManager component`)
    this.report = this.emptyReport()
  }

  /** The report as it stands (a copy: plain data, its own JSON form). */
  getReport(): NetworkReport {
    return structuredClone(this.report)
  }

  /** Whether the service runs. */
  isStarted(): boolean {
    return this.running
  }

  /** Measures everything now (interfaces, NAT, TURN) and returns the report. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<NetworkReport> {
    if (!this.running) throw new ServiceStoppedError()
    this.pollInterfaces()
    await this.measure(options.signal)
    if (!this.running) throw new ServiceStoppedError('the network report service stopped during the refresh')
    return this.getReport()
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.controller = new AbortController()
    this.report = this.emptyReport()
    for (const type of HOST_ADDRESS_EVENTS)
      this.components.events.addEventListener(type, this.onHostAddresses)
    this.hostEvents().addEventListener(REACHABILITY_EVENT, this.onHostReachability)
  }

  afterStart(): void {
    if (!this.running) return
    this.attachSources()
    this.pollInterfaces() // requests the first measurement when there is a routable interface
    this.schedulePoll()
    if (this.measuring == null) this.requestMeasure()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.controller?.abort(new ServiceStoppedError())
    clearTimeout(this.pollTimer)
    clearTimeout(this.recheckTimer)
    this.pollTimer = undefined
    this.recheckTimer = undefined
    for (const type of HOST_ADDRESS_EVENTS)
      this.components.events.removeEventListener(type, this.onHostAddresses)
    this.hostEvents().removeEventListener(REACHABILITY_EVENT, this.onHostReachability)
    this.detachSources()
    for (const address of this.advertised.values())
      this.components.addressManager?.removeObservedAddr(address)
    this.advertised.clear()
    await this.measuring?.catch(() => {})
    this.measuring = undefined
    this.measureAgain = false
  }

  /**
   * Wires services in after construction (e.g. `report.attach(host.services)`
   * when they could not be named in init): found by shape, each replacing
   * one already wired. The report follows at once.
   */
  attach(services: Record<string, unknown>): void {
    this.detachSources()
    this.sources = { ...this.sources, ...findSources(services) }
    if (this.running) {
      this.listenToSources()
      this.onSourceChange()
    }
  }

  private emptyReport(): NetworkReport {
    return {
      schema: SCHEMA,
      generatedAt: new Date().toISOString(),
      interfaces: [],
      nat: [],
      portMapping: portMappingOf(this.sources),
      reachability: reachabilityOf(this.sources, this.hostVerdict),
      turn: [],
    }
  }

  private hostEvents(): EventTarget {
    return this.components.events as unknown as EventTarget
  }

  private attachSources(): void {
    const found = findSources(this.init.services?.() ?? {})
    this.sources = {
      portMapping: resolve(this.init.portMapping) ?? found.portMapping,
      autonat: resolve(this.init.autonat) ?? found.autonat,
      autonatV2: resolve(this.init.autonatV2) ?? found.autonatV2,
    }
    this.listenToSources()
    this.update({ portMapping: portMappingOf(this.sources), reachability: this.reachability() })
    this.applyAdvertise()
  }

  private listenToSources(): void {
    for (const [name, type] of Object.entries(SOURCE_EVENTS) as Array<[keyof Sources, string]>)
      this.sources[name]?.addEventListener(type, this.onSourceChange)
  }

  private detachSources(): void {
    for (const [name, type] of Object.entries(SOURCE_EVENTS) as Array<[keyof Sources, string]>)
      this.sources[name]?.removeEventListener(type, this.onSourceChange)
  }

  private reachability(): ReachabilityEntry {
    return reachabilityOf(this.sources, this.hostVerdict)
  }

  private readonly onSourceChange = (): void => {
    if (!this.running) return
    this.update({ portMapping: portMappingOf(this.sources), reachability: this.reachability() })
    this.applyAdvertise()
  }

  private readonly onHostReachability = (evt: Event): void => {
    const detail = (evt as CustomEvent<unknown>).detail
    if (detail !== 'unknown' && detail !== 'public' && detail !== 'private') return
    this.hostVerdict = detail
    if (this.running) this.update({ reachability: this.reachability() })
  }

  private readonly onHostAddresses = (): void => {
    if (this.running) this.pollInterfaces()
  }

  private schedulePoll(): void {
    clearTimeout(this.pollTimer)
    if (!this.running) return
    this.pollTimer = setTimeout(() => {
      this.pollInterfaces()
      this.schedulePoll()
    }, this.pollInterval)
  }

  /** Reads the interfaces; a change of the routable ones re-measures the NAT. */
  private pollInterfaces(): void {
    let interfaces: NetworkReport['interfaces']
    try {
      interfaces = readInterfaces((this.init.networkInterfaces ?? networkInterfaces)())
    } catch (err) {
      this.log.error('could not read the interfaces: %s', (err as Error).message)
      return
    }
    const targetsBefore = JSON.stringify(probeTargets(this.report.interfaces))
    // one event for both: entries for interfaces that are gone go at once; new ones wait for the measurement
    const targets = probeTargets(interfaces)
    const changed = this.update({ interfaces, nat: this.natFor(targets, this.report.nat) })
    if (!changed.includes('interfaces')) return
    if (JSON.stringify(targets) !== targetsBefore) this.requestMeasure()
  }

  private requestMeasure(): void {
    if (!this.running) return
    if (this.measuring != null) {
      this.measureAgain = true
      return
    }
    void this.measure().catch((err: Error) => this.log.error('measuring failed: %s', err.message))
  }

  /** One NAT and TURN measurement, after the one in flight (if any) has ended. */
  private async measure(signal?: AbortSignal): Promise<void> {
    while (this.measuring != null) await this.measuring.catch(() => {})
    if (!this.running) return
    const run = this.runMeasure(signal).finally(() => {
      if (this.measuring === run) this.measuring = undefined
      if (!this.running) return
      if (this.measureAgain) {
        this.measureAgain = false
        this.requestMeasure()
      } else {
        clearTimeout(this.recheckTimer)
        this.recheckTimer = setTimeout(() => this.requestMeasure(), this.recheckInterval)
      }
    })
    this.measuring = run
    return run
  }

  private async runMeasure(signal?: AbortSignal): Promise<void> {
    const controller = this.controller
    if (controller == null || !this.running) return
    clearTimeout(this.recheckTimer)
    const combined = signal == null ? controller.signal : AbortSignal.any([controller.signal, signal])
    const interfaces = this.report.interfaces
    const targets = JSON.stringify(probeTargets(interfaces))
    try {
      const options = {
        allocationSamples: this.init.allocationSamples,
        discover: this.init.discover,
        openClient: this.init.openClient,
        openTurnClient: this.init.openTurnClient,
        stunServers: this.stunServers,
        signal: combined,
      }
      const nat = await measureNat(interfaces, options)
      const turn = await measureTurn(this.turnServers, options)
      if (!this.running || controller.signal.aborted) return
      signal?.throwIfAborted()
      // interfaces moved under the measurement: keep the entries still meant, measure again
      const current = probeTargets(this.report.interfaces)
      if (JSON.stringify(current) !== targets) this.measureAgain = true
      this.update({ nat: this.natFor(current, nat, this.report.nat), turn })
      this.log(
        'measured: %s',
        this.report.nat.map((e) => `${e.interface}/IPv${e.family} ${e.classic}`).join(', '),
      )
    } catch (err) {
      if (controller.signal.aborted) return
      throw err
    }
  }

  /** An entry per target: the first of `lists` that has one for its address, else pending (or unconfigured). */
  private natFor(targets: ProbeTarget[], ...lists: NatEntry[][]): NatEntry[] {
    return targets.map((target) => {
      for (const list of lists) {
        const found = list.find(
          (entry) =>
            entry.interface === target.interface &&
            entry.family === target.family &&
            entry.localAddress === target.localAddress,
        )
        if (found != null) return found
      }
      const configured = serversOf(this.stunServers, target.family).length > 0
      return { ...target, status: configured ? 'pending' : 'unconfigured', classic: 'unknown' }
    })
  }

  /** Replaces parts of the report; dispatches `'change'` naming those that really changed. */
  private update(next: Partial<Pick<NetworkReport, ReportPart>>): ReportPart[] {
    const candidate: NetworkReport = { ...this.report, ...next }
    const parts = (Object.keys(next) as ReportPart[]).filter(
      (part) => partKey(candidate, part) !== partKey(this.report, part),
    )
    // keep the new objects either way (fresh times), but tell only of changes
    this.report = parts.length > 0 ? { ...candidate, generatedAt: new Date().toISOString() } : candidate
    if (parts.length > 0 && this.running) {
      this.log('changed: %s', parts.join(', '))
      this.safeDispatchEvent('change', { detail: { report: this.getReport(), parts } })
    }
    return parts
  }

  /** Confirms what `advertise` wants with the address manager, and withdraws what it no longer wants. */
  private applyAdvertise(): void {
    const manager = this.components.addressManager
    if (this.advertise === 'none' || manager == null || !this.running) return
    const wanted = addressesToAdvertise(this.advertise, this.sources)
    for (const [key, address] of this.advertised) {
      if (wanted.has(key)) continue
      this.advertised.delete(key)
      manager.removeObservedAddr(address)
    }
    for (const [key, address] of wanted) {
      if (this.advertised.has(key)) continue
      this.advertised.set(key, address)
      manager.addObservedAddr(address)
      manager.confirmObservedAddr(address)
    }
  }
}

/** The host service factory: `services: { network: networkReport({ stunServers }) }`. */
export function networkReport(
  init: NetworkReportInit = {},
): (components: NetworkReportComponents) => NetworkReportService {
  return (components) => new NetworkReportService(components, init)
}
