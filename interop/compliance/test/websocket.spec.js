/**
 * @libp2p/interface-compliance-tests `transport` suite against
 * @weft/websocket: two js-libp2p nodes (plaintext, mock muxer, the suite's
 * echo service) whose only transport is weft's WebSocket transport, on
 * loopback, over /ws and over /wss (a throwaway self-signed certificate made
 * with openssl, trusted by the dialer).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tests from '@libp2p/interface-compliance-tests/transport'
import { WebSockets, WebSocketsSecure } from '@multiformats/multiaddr-matcher'
import { webSockets } from '@weft/websocket'

/** A self-signed certificate for 127.0.0.1, made in a temporary directory that is removed again. */
function selfSignedCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'weft-compliance-cert-'))
  try {
    const keyFile = join(dir, 'key.pem')
    const certFile = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore', timeout: 20_000 },
    )
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('@weft/websocket over /ws', () => {
  tests({
    async setup() {
      return {
        dialer: { transports: [webSockets()] },
        listener: {
          addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws', '/ip4/127.0.0.1/tcp/0/ws'] },
          transports: [webSockets()],
        },
        dialMultiaddrMatcher: WebSockets,
        listenMultiaddrMatcher: WebSockets,
      }
    },
    async teardown() {},
  })
})

describe('@weft/websocket over /wss', () => {
  const { cert, key } = selfSignedCertificate()
  tests({
    async setup() {
      return {
        dialer: { transports: [webSockets({ dialTls: { ca: cert } })] },
        listener: {
          addresses: { listen: ['/ip4/127.0.0.1/tcp/0/wss', '/ip4/127.0.0.1/tcp/0/wss'] },
          transports: [webSockets({ https: { cert, key } })],
        },
        dialMultiaddrMatcher: WebSocketsSecure,
        listenMultiaddrMatcher: WebSocketsSecure,
      }
    },
    async teardown() {},
  })
})
