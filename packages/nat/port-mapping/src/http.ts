/**
 * One bounded HTTP/1.1 exchange over node:http: the answer's body is read up
 * to `maxBytes` (more ends the request with a `ResponseLimitError`), the whole
 * exchange ends within `timeout` ms, and `signal` aborts it.
 */
import { request } from 'node:http'
import { GatewayTimeoutError, InvalidResponseError, ResponseLimitError } from './errors.js'

export interface HttpRequest {
  method: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** answer body bytes accepted (default 65 536) */
  maxBytes?: number
  /** ms for the whole exchange (default 5 000) */
  timeout?: number
  signal?: AbortSignal
}

export interface HttpResponse {
  status: number
  body: string
}

export async function httpRequest(url: URL, init: HttpRequest): Promise<HttpResponse> {
  if (url.protocol !== 'http:') throw new InvalidResponseError(`only http: URLs are fetched, not ${url.href}`)
  const maxBytes = init.maxBytes ?? 65_536
  const timeout = init.timeout ?? 5_000
  init.signal?.throwIfAborted()
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false
    const body = init.body == null ? undefined : Buffer.from(init.body)
    const req = request(url, {
      method: init.method,
      headers: {
        ...init.headers,
        ...(body == null ? {} : { 'content-length': String(body.byteLength) }),
        connection: 'close',
      },
      agent: false,
    })
    const finish = (err: Error | undefined, value?: HttpResponse): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      init.signal?.removeEventListener('abort', onAbort)
      if (err != null) {
        req.destroy()
        reject(err)
      } else resolve(value!)
    }
    const onAbort = (): void => finish(init.signal!.reason as Error)
    const timer = setTimeout(
      () => finish(new GatewayTimeoutError(`${init.method} ${url.href} got no full answer in ${timeout} ms`)),
      timeout,
    )
    init.signal?.addEventListener('abort', onAbort, { once: true })
    req.on('error', (err) =>
      finish(new InvalidResponseError(`${init.method} ${url.href} failed: ${err.message}`)),
    )
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length'] ?? 0)
      if (declared > maxBytes) {
        finish(
          new ResponseLimitError(`${url.href} announced ${declared} bytes; at most ${maxBytes} accepted`),
        )
        return
      }
      const chunks: Buffer[] = []
      let length = 0
      res.on('data', (chunk: Buffer) => {
        length += chunk.byteLength
        if (length > maxBytes) {
          finish(new ResponseLimitError(`${url.href} sent more than ${maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', (err) => finish(new InvalidResponseError(`reading ${url.href} failed: ${err.message}`)))
      res.on('close', () => finish(new InvalidResponseError(`${url.href} closed before its answer ended`)))
      res.on('end', () =>
        finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      )
    })
    req.end(body)
  })
}
