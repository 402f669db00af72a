/**
 * A NAT-PMP client (RFC 6886): the external address, mappings of UDP and TCP
 * ports, deletion. Each request is retransmitted on the RFC's schedule (250 ms
 * doubling, 9 tries) unless configured shorter.
 */
import { GatewayResultError } from './errors.js'
import {
  decodeExternalAddressAnswer,
  decodeMapAnswer,
  type ExternalAddressAnswer,
  encodeExternalAddressRequest,
  encodeMapRequest,
  type MapAnswer,
  NAT_PMP_PORT,
  NAT_PMP_RESULTS,
  retransmissionDelays,
} from './nat-pmp-codec.js'
import { exchange } from './udp-exchange.js'

export interface NatPmpInit {
  /** the gateway's address */
  gateway: string
  /** default 5351 */
  port?: number
  /** first wait, ms (default 250) */
  initialTimeout?: number
  /** tries in all (default 9) */
  tries?: number
}

export class NatPmpClient {
  readonly gateway: string
  private readonly port: number
  private readonly delays: number[]

  constructor(init: NatPmpInit) {
    this.gateway = init.gateway
    this.port = init.port ?? NAT_PMP_PORT
    this.delays = retransmissionDelays(init.initialTimeout ?? 250, init.tries ?? 9)
  }

  async externalAddress(options: { signal?: AbortSignal } = {}): Promise<ExternalAddressAnswer> {
    const answer = await exchange({
      gateway: this.gateway,
      port: this.port,
      request: encodeExternalAddressRequest(),
      delays: this.delays,
      accept: decodeExternalAddressAnswer,
      signal: options.signal,
    })
    return checked(answer)
  }

  /** Maps `internalPort`; lifetime 0 deletes the mapping (then `externalPort` must be 0). */
  async map(
    protocol: 'tcp' | 'udp',
    internalPort: number,
    externalPort: number,
    lifetime: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<MapAnswer> {
    const answer = await exchange({
      gateway: this.gateway,
      port: this.port,
      request: encodeMapRequest(protocol, internalPort, externalPort, lifetime),
      delays: this.delays,
      // an answer for another internal port is someone else's (§3.3)
      accept: (packet) => {
        const decoded = decodeMapAnswer(packet, protocol)
        return decoded.result !== 0 || decoded.internalPort === internalPort ? decoded : undefined
      },
      signal: options.signal,
    })
    return checked(answer)
  }

  async unmap(
    protocol: 'tcp' | 'udp',
    internalPort: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.map(protocol, internalPort, 0, 0, options)
  }
}

function checked<T extends { result: number }>(answer: T): T {
  if (answer.result !== 0) {
    throw new GatewayResultError(
      'nat-pmp',
      answer.result,
      NAT_PMP_RESULTS[answer.result] ?? 'an unknown result',
    )
  }
  return answer
}
