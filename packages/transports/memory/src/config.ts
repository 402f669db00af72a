/** Options of the memory transport, their defaults (each written once) and their clamps. */
import type { LinkOptions } from './listener.js'
import { defaultRegistry, type MemoryRegistry } from './registry.js'

export const DEFAULT_LATENCY = 0
export const DEFAULT_CAPACITY = 256 * 1024
export const DEFAULT_CLOSE_TIMEOUT = 500
export const DEFAULT_MAX_CONNECTIONS = 1024

export interface MemoryInit {
  /** one-way delay in ms of every delivery; a dial takes two (default 0) */
  latency?: number
  /** bytes in flight per direction before `send()` asks to wait (default 256 KiB) */
  capacity?: number
  /** ms a graceful close waits for the peer (default 500) */
  closeTimeout?: number
  /** connections a listener holds at once (default 1024) */
  maxConnections?: number
  /** unread bytes a connection buffers before it aborts (default @weft/utils', 4 MiB) */
  maxReadBufferLength?: number
  /** unsent bytes a connection buffers before it aborts (default unlimited: callers honour `send()`) */
  maxWriteBufferLength?: number
  /** the directory of listeners (default: one shared by the whole process) */
  registry?: MemoryRegistry
}

/** `MemoryInit` with every default filled in. */
export interface MemoryConfig {
  readonly registry: MemoryRegistry
  readonly link: Readonly<LinkOptions>
  readonly maxConnections: number
}

/**
 * Link settings with defaults filled in, shared by the transport and
 * `memoryConnectionPair`: a negative latency counts as none, a capacity below
 * one byte as one.
 */
export function resolveLink(init: Partial<LinkOptions>): LinkOptions {
  return {
    latency: Math.max(0, init.latency ?? DEFAULT_LATENCY),
    capacity: Math.max(1, init.capacity ?? DEFAULT_CAPACITY),
    closeTimeout: init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
    maxReadBufferLength: init.maxReadBufferLength,
    maxWriteBufferLength: init.maxWriteBufferLength,
  }
}

/** Fills in defaults. */
export function resolveConfig(init: MemoryInit = {}): MemoryConfig {
  return {
    registry: init.registry ?? defaultRegistry,
    link: resolveLink(init),
    maxConnections: init.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  }
}
