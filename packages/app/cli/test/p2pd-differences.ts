/**
 * Why weft's answer differs from P2PD 3.1.9's, step by step
 * (p2pd-script.ts). File and line numbers are P2PD 3.1.9's, in its package
 * folder `p2pd/`. p2pd-real.test.ts fails on a difference not listed here
 * and on a listed one that no longer occurs.
 */
export const REASONS: Record<string, string> = {
  ifs: "P2PD lists its Interface.to_dict() (NAT type, delta, route pool; interface.py 342-364) from STUN tests; weft lists the host's interfaces (name, offset, addrs) without NAT tests, which weft's own NAT report does",
  addr: 'weft adds addrs (every listen multiaddr) and peer (its peer id); addr itself is a multiaddr, P2PD an address string of its own format (p2p_addr.py)',
  'open self':
    "P2PD connects to its own address (rest_api.py 145-152); weft's host refuses to dial its own peer id, as libp2p does, so it answers error 3",
  'open peer':
    "weft has no fd (the connection is a stream over a multiplexed libp2p connection, not a socket of its own), describes route as the libp2p connection (remote_addr, direct, encryption, muxer) instead of P2PD's Route.to_dict(), and adds peer",
  info: 'P2PD 3.1.9\'s /info reads v["name"]["con"] under a route named info (rest_api.py 193-195), so it always fails with a KeyError turned into {error: "Exception"} (http_server_lib.py 415-419); weft answers what the handler means to: the connection\'s info, as /open does',
  'recv nothing':
    "P2PD's con.recv returns None on a timeout instead of raising (pipe_client.py 207-208), so rest_api.py 244-248 answers error 6 and its 'recv timeout' (error 5, lines 256-260) is never reached; weft answers error 5 'recv timeout'",
  'recv timeout param':
    'P2PD passes /timeout/<s> to recv as a string (get_opt_param, rest_api.py 49-58, 241), recv fails inside and answers error 6 at once; weft honours the timeout (seconds, at most 60) and answers error 5 when it runs out',
  'recv unknown con':
    'P2PD looks the name up without a check (rest_api.py 239), so an unknown name is a KeyError answered as {error: "Exception", msg: "\'nobody\'"}; weft answers error 7 "con nobody does not exist", the code P2PD\'s own /info uses (rest_api.py 196-200)',
  'info closed':
    "as info: P2PD's /info always fails (rest_api.py 195); weft answers error 7 for a name no longer open",
  tunnel:
    'P2PD 3.1.9\'s /tunnel reads v["name"]["pipe"] under a route named tunnel (rest_api.py 320-322), so it fails with {error: "Exception"}; weft\'s /tunnel to a name not open waits for it to be opened (a peer may announce it later), so within the script\'s 2 s there is no answer',
  'unknown route':
    'P2PD sends nothing when no handler matches (http_server_lib.py 409-434) and the client waits; weft answers 404 with error 404',
  'foreign origin':
    'P2PD answers a foreign Origin with HTTP 200 and error 5 "Invalid origin." (http_server_lib.py 181-187); weft answers 403, as acceptance 3 asks (security beyond P2PD, with a bearer token P2PD does not have)',
}
