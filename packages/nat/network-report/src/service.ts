/**
 * The network report as a host service: one report kept up to date.
 *
 * - Interfaces: read at start, polled every `interfacePollInterval` (30 s)
 *   and at once on the host's address events (`transport:listening`,
 *   `transport:close`, `self:peer:update`).
 * - NAT and TURN: measured after start, again every `natRecheckInterval`
 *   (10 min) and at once when the routable interface addresses change. One
 *   measurement at a time; a request during one runs once after it
 *   (measurement-queue.ts).
 * - Port mapping and reachability: read from the services wired in (init,
 *   or found by shape in `services()`), on their events; AutoNAT v1's verdict
 *   also from the host's `weft:reachability` event with no wiring.
 * - `'change'` names the parts that changed; timestamps and round-trip times
 *   alone are no change.
 * - `advertise` (advertise.ts decides, advertiser.ts applies) confirms
 *   addresses with the address manager.
 *
 * Every timer is a single `setTimeout`, cleared on stop; stop aborts the
 * measurement in flight and removes every address it confirmed.
 */

import { networkInterfaces } from 'node:os'
import type { ComponentLogger, Libp2pEvents, Logger, Startable, TypedEventTarget } from '@libp2p/interface'
import { LightEventTarget } from '@weft/utils'
import { Advertiser, type ObservedAddressManager } from './advertiser.js'
import { ServiceStoppedError } from './errors.js'
import { probeTargets, readInterfaces } from './interfaces.js'
import { MeasurementQueue } from './measurement-queue.js'
import {
  changedParts,
  measureNat,
  measureTurn,
  natEntriesFor,
  portMappingOf,
  reachabilityOf,
} from './report.js'
import { type NetworkReportInit, resolveSettings, resolveSource, type Settings } from './settings.js'
import { findSources, SOURCE_EVENTS, type Sources } from './sources.js'
import { type NetworkReport, type ReachabilityEntry, type ReportPart, SCHEMA } from './types.js'

export interface NetworkReportComponents {
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  /** needed only with `advertise` other than 'none' */
  addressManager?: ObservedAddressManager
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

export class NetworkReportService extends LightEventTarget<NetworkReportEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/network-report'
  private readonly log: Logger
  private readonly settings: Settings
  private readonly measurements: MeasurementQueue
  private readonly advertiser: Advertiser
  private report: NetworkReport
  private sources: Sources = {}
  private hostVerdict: ReachabilityEntry['host'] = 'unknown'
  private running = false
  private controller?: AbortController
  private pollTimer?: ReturnType<typeof setTimeout>

  constructor(
    private readonly components: NetworkReportComponents,
    private readonly init: NetworkReportInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:network-report')
    this.settings = resolveSettings(init, components.addressManager != null)
    this.measurements = new MeasurementQueue({
      run: async (signal) => this.runMeasure(signal),
      recheckInterval: this.settings.recheckInterval,
      log: this.log,
    })
    this.advertiser = new Advertiser(this.settings.advertise, components.addressManager)
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
    await this.measurements.measure(options.signal)
    if (!this.running) throw new ServiceStoppedError('the network report service stopped during the refresh')
    return this.getReport()
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.controller = new AbortController()
    this.report = this.emptyReport()
    this.measurements.start()
    for (const type of HOST_ADDRESS_EVENTS)
      this.components.events.addEventListener(type, this.onHostAddresses)
    this.hostEvents().addEventListener(REACHABILITY_EVENT, this.onHostReachability)
  }

  afterStart(): void {
    if (!this.running) return
    this.attachSources()
    this.pollInterfaces() // requests the first measurement when there is a routable interface
    this.schedulePoll()
    if (!this.measurements.busy) this.measurements.request()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.controller?.abort(new ServiceStoppedError())
    clearTimeout(this.pollTimer)
    this.pollTimer = undefined
    for (const type of HOST_ADDRESS_EVENTS)
      this.components.events.removeEventListener(type, this.onHostAddresses)
    this.hostEvents().removeEventListener(REACHABILITY_EVENT, this.onHostReachability)
    this.detachSources()
    this.advertiser.withdrawAll()
    await this.measurements.stop()
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
      portMapping: resolveSource(this.init.portMapping) ?? found.portMapping,
      autonat: resolveSource(this.init.autonat) ?? found.autonat,
      autonatV2: resolveSource(this.init.autonatV2) ?? found.autonatV2,
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
    }, this.settings.pollInterval)
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
    const nat = natEntriesFor(targets, this.settings.stunServers, this.report.nat)
    const changed = this.update({ interfaces, nat })
    if (!changed.includes('interfaces')) return
    if (JSON.stringify(targets) !== targetsBefore) this.measurements.request()
  }

  private async runMeasure(signal?: AbortSignal): Promise<void> {
    const controller = this.controller
    if (controller == null || !this.running) return
    const combined = signal == null ? controller.signal : AbortSignal.any([controller.signal, signal])
    const interfaces = this.report.interfaces
    const targets = JSON.stringify(probeTargets(interfaces))
    try {
      const options = {
        allocationSamples: this.init.allocationSamples,
        discover: this.init.discover,
        openClient: this.init.openClient,
        openTurnClient: this.init.openTurnClient,
        stunServers: this.settings.stunServers,
        signal: combined,
      }
      const nat = await measureNat(interfaces, options)
      const turn = await measureTurn(this.settings.turnServers, options)
      if (!this.running || controller.signal.aborted) return
      signal?.throwIfAborted()
      // interfaces moved under the measurement: keep the entries still meant, measure again
      const current = probeTargets(this.report.interfaces)
      if (JSON.stringify(current) !== targets) this.measurements.request()
      this.update({ nat: natEntriesFor(current, this.settings.stunServers, nat, this.report.nat), turn })
      this.log(
        'measured: %s',
        this.report.nat.map((e) => `${e.interface}/IPv${e.family} ${e.classic}`).join(', '),
      )
    } catch (err) {
      if (controller.signal.aborted) return
      throw err
    }
  }

  /** Replaces parts of the report; dispatches `'change'` naming those that really changed. */
  private update(next: Partial<Pick<NetworkReport, ReportPart>>): ReportPart[] {
    const candidate: NetworkReport = { ...this.report, ...next }
    const parts = changedParts(this.report, candidate, Object.keys(next) as ReportPart[])
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
    if (this.running) this.advertiser.apply(this.sources)
  }
}

/** The host service factory: `services: { network: networkReport({ stunServers }) }`. */
export function networkReport(
  init: NetworkReportInit = {},
): (components: NetworkReportComponents) => NetworkReportService {
  return (components) => new NetworkReportService(components, init)
}
