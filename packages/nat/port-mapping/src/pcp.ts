/**
 * A PCP client (RFC 6887), MAP only. A gateway that speaks only NAT-PMP
 * answers our version 2 with a version-0 packet or UNSUPP_VERSION: that is an
 * `UnsupportedVersionError`, on which the caller falls back to NAT-PMP (§9).
 * The retransmission schedule follows §8.1.1 (IRT 3 s, doubling) but stops
 * after `tries`: the RFC's unbounded retries do not fit a host that must start.
 */
import { randomBytes } from 'node:crypto'
import { GatewayResultError } from './errors.js'
import { NAT_PMP_PORT, retransmissionDelays } from './nat-pmp-codec.js'
import { decodeMapAnswer, encodeMapRequest, PCP_RESULTS, type PcpMapAnswer } from './pcp-codec.js'
import { exchange } from './udp-exchange.js'

export interface PcpInit {
  gateway: string
  /** default 5351 */
  port?: number
  /** first wait, ms (default 3 000) */
  initialTimeout?: number
  /** tries in all (default 3) */
  tries?: number
}

export interface PcpMapRequest {
  protocol: 'tcp' | 'udp'
  internalPort: number
  /** 0: any */
  externalPort: number
  lifetime: number
  /** our address as the gateway sees it */
  clientAddress: string
  /** the mapping's nonce; a new one is made when absent */
  nonce?: Uint8Array
}

export class PcpClient {
  readonly gateway: string
  private readonly port: number
  private readonly delays: number[]

  constructor(init: PcpInit) {
    this.gateway = init.gateway
    this.port = init.port ?? NAT_PMP_PORT
    this.delays = retransmissionDelays(init.initialTimeout ?? 3_000, init.tries ?? 3)
  }

  /** MAP (lifetime 0 deletes); resolves with the answer and the nonce to renew or delete with. */
  async map(request: PcpMapRequest, options: { signal?: AbortSignal } = {}): Promise<PcpMapAnswer> {
    const nonce = request.nonce ?? randomBytes(12)
    const packet = encodeMapRequest({
      nonce,
      protocol: request.protocol,
      internalPort: request.internalPort,
      suggestedExternalPort: request.externalPort,
      suggestedExternalAddress: '',
      lifetime: request.lifetime,
      clientAddress: request.clientAddress,
    })
    const answer = await exchange({
      gateway: this.gateway,
      port: this.port,
      request: packet,
      delays: this.delays,
      // §11.3: an answer must carry our nonce, protocol and internal port
      accept: (bytes) => {
        const decoded = decodeMapAnswer(bytes)
        const ours =
          Buffer.from(decoded.nonce).equals(nonce) &&
          decoded.internalPort === request.internalPort &&
          decoded.protocol === (request.protocol === 'tcp' ? 6 : 17)
        return ours ? decoded : undefined
      },
      signal: options.signal,
    })
    if (answer.result !== 0) {
      throw new GatewayResultError('pcp', answer.result, PCP_RESULTS[answer.result] ?? 'an unknown result')
    }
    return answer
  }
}
