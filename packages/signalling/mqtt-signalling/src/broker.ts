/**
 * One broker: an MQTT 5 client subscribed to our topic, reconnecting with
 * exponential backoff (a fresh client per attempt: no state survives a
 * broken session), publishing only while connected. mqtt.js's own
 * reconnect loop is off, so every timer here is ours and `stop()` clears it.
 */
import type { Logger } from '@libp2p/interface'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { reconnectDelay } from './config.js'
import { NoBrokerError, PublishFailedError, SignallingTimeoutError } from './errors.js'

export interface BrokerOptions {
  url: string
  /** the topic we listen on */
  topic: string
  maxMessageSize: number
  connectTimeout: number
  publishTimeout: number
  reconnectDelay: number
  maxReconnectDelay: number
  keepalive: number
  log: Logger
  onMessage(payload: Uint8Array): void
  onConnect(): void
  onDisconnect(error?: Error): void
}

/** room for the MQTT fixed header, topic and properties around our payload */
const PACKET_OVERHEAD = 512

export class Broker {
  private client?: MqttClient
  private timer?: ReturnType<typeof setTimeout>
  private attempts = 0
  private ready = false
  private stopped = true
  private lastError?: Error
  private waiters = new Set<() => void>()

  constructor(private readonly options: BrokerOptions) {}

  get url(): string {
    return this.options.url
  }

  get connected(): boolean {
    return this.ready
  }

  /** How many connection attempts failed since the last success. */
  get failedAttempts(): number {
    return this.attempts
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.attempts = 0
    this.open()
  }

  /** Resolves when subscribed, or after `timeout` ms, or on `signal` (whichever comes first). */
  async waitReady(timeout: number, signal?: AbortSignal): Promise<boolean> {
    if (this.ready || this.stopped) return this.ready
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, timeout)
      signal?.addEventListener('abort', done, { once: true })
      this.waiters.add(done)
    })
    return this.ready
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    const client = this.client
    if (!this.ready || client === undefined) {
      throw new NoBrokerError(
        `broker ${this.options.url} is not connected${this.lastError ? `: ${this.lastError.message}` : ''}`,
      )
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SignallingTimeoutError(
              `broker ${this.options.url} did not acknowledge in ${this.options.publishTimeout} ms`,
            ),
          ),
        this.options.publishTimeout,
      )
    })
    try {
      await Promise.race([
        client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), {
          qos: 1,
        }),
        timeout,
      ])
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw err
      throw new PublishFailedError(`broker ${this.options.url} failed the publish: ${(err as Error).message}`)
    } finally {
      clearTimeout(timer)
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    const client = this.client
    this.client = undefined
    const wasReady = this.ready
    this.ready = false
    for (const wake of this.waiters) wake()
    if (client !== undefined) {
      client.removeAllListeners()
      client.on('error', () => {})
      // force: no DISCONNECT round trip to wait for; bounded anyway
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        client.endAsync(true).catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, 1_000)
        }),
      ])
      clearTimeout(timer)
    }
    if (wasReady) this.options.onDisconnect()
  }

  private open(): void {
    const { options } = this
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clean: true,
      clientId: `weft-${Buffer.from(crypto.getRandomValues(new Uint8Array(9))).toString('hex')}`,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeout,
      keepalive: options.keepalive,
      resubscribe: false,
      queueQoSZero: false,
      properties: { maximumPacketSize: options.maxMessageSize + PACKET_OVERHEAD, sessionExpiryInterval: 0 },
    }
    const client = connect(options.url, clientOptions)
    this.client = client
    client.on('connect', () => {
      client
        .subscribeAsync(options.topic, { qos: 1 })
        .then((granted) => {
          if (this.client !== client) return
          if (granted.some((grant) => grant.qos === 128))
            throw new Error(`the broker refused the subscription to ${options.topic}`)
          this.attempts = 0
          this.ready = true
          this.lastError = undefined
          options.log('subscribed to %s on %s', options.topic, options.url)
          for (const wake of this.waiters) wake()
          options.onConnect()
        })
        .catch((err: Error) => {
          options.log.error('subscribing on %s failed: %s', options.url, err.message)
          this.lastError = err
          this.closed(client)
        })
    })
    client.on('message', (topic, payload) => {
      if (this.client !== client || topic !== options.topic) return
      options.onMessage(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength))
    })
    client.on('error', (err) => {
      this.lastError = err
      options.log('broker %s: %s', options.url, err.message)
    })
    client.on('close', () => this.closed(client))
  }

  private closed(client: MqttClient): void {
    if (this.client !== client) return
    client.removeAllListeners()
    client.on('error', () => {})
    client.end(true)
    this.client = undefined
    const wasReady = this.ready
    this.ready = false
    if (wasReady) this.options.onDisconnect(this.lastError)
    if (this.stopped) return
    const delay = reconnectDelay(this.attempts++, this.options.reconnectDelay, this.options.maxReconnectDelay)
    this.options.log(
      'broker %s closed (%s); reconnecting in %d ms',
      this.options.url,
      this.lastError?.message ?? 'no error',
      delay,
    )
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (!this.stopped) this.open()
    }, delay)
  }
}
