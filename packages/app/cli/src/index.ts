/**
 * @weft/cli: the `weft` command and the daemon behind `weft daemon`.
 *
 * ```sh
 * weft id                                   # create or show ~/.config/weft/identity.key
 * weft daemon --api-port 12333 --sock /tmp/weft.sock
 * curl -H "Authorization: Bearer $(cat ~/.config/weft/api-token)" http://127.0.0.1:12333/version
 * weft ping /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…
 * weft nat --stun stun.example.net:3478
 * weft chat lobby                           # prints the address another terminal joins with --join
 * weft share ./file.bin                     # prints its id; weft get <id> [dest] --from <addr>
 * weft dht get-peers <infohash> --bootstrap 192.0.2.7:6881
 * weft dht crawl --bootstrap 192.0.2.7:6881 --duration 60
 * ```
 *
 * Programmatic use: `startDaemon({ privateKey, token, listen, apiPort,
 * unixSocket, maxBody, maxApiConnections, maxNamedConnections })` returns
 * `{ node, url, port, metrics, stop() }`; `main(argv)` runs the command line
 * and resolves to the exit code. Logs under `weft:cli` and `weft:daemon`.
 */
export { main } from './cli.js'
export { type ControlServer, startControlServer } from './control/control-server.js'
export { type Daemon, type DaemonInit, startDaemon } from './daemon/daemon.js'
export { checkRequest, loadOrCreateToken, loopbackHost, ownOrigin } from './daemon/security.js'
export { CliError, NotAvailableError } from './errors.js'
export { defaultConfigDir, defaultKeyFile, type Identity, loadOrCreateIdentity } from './identity.js'
