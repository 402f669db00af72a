#!/usr/bin/env python3
"""py-libp2p peer for weft's interop matrix.

Configured from environment variables like every peer of the matrix (see
interop/runner/README.md): transport (tcp|ws|quic-v1), security (noise|tls), muxer
(yamux|mplex; both ignored for quic-v1, which brings its own TLS and streams),
is_dialer, ip, listen_addr, listener_addr, test_timeout_seconds; the upper-case
names of libp2p/unified-testing work too. Security and muxer are
passed explicitly, so py-libp2p's defaults (which include secio and plaintext)
never apply.

The listener prints ``<addr>/p2p/<peerId>``, then a JSON line about the dialer
once it has identified it; the dialer connects, pings, identifies, echoes
1 MiB on /weft-interop/echo/1.0.0 and prints one JSON result line.
"""

import json
import os
import random
import sys
import time

import multiaddr
import trio

from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as create_new_x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.host.exceptions import StreamFailure
from libp2p.identity.identify.identify import AGENT_VERSION, parse_identify_response
from libp2p.network.stream.exceptions import StreamEOF
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.security.tls.transport import PROTOCOL_ID as TLS_PROTOCOL_ID
from libp2p.security.tls.transport import TLSTransport
from libp2p.stream_muxer.mplex.mplex import MPLEX_PROTOCOL_ID, Mplex
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux

ECHO_PROTOCOL = TProtocol("/weft-interop/echo/1.0.0")
IDENTIFY_PROTOCOL = TProtocol("/ipfs/id/1.0.0")
PING_PROTOCOL = TProtocol("/ipfs/ping/1.0.0")
ECHO_BYTES = 1 << 20
MAX_ECHO_BYTES = 2 * ECHO_BYTES  # bound on what an echo stream may carry
MAX_IDENTIFY_BYTES = 64 * 1024
REQUIRED_PROTOCOLS = [str(IDENTIFY_PROTOCOL), str(PING_PROTOCOL), str(ECHO_PROTOCOL)]


def env(*names: str) -> str | None:
    """Reads a variable by its lower-case or upper-case name."""
    for name in names:
        for key in (name, name.upper()):
            value = os.environ.get(key)
            if value:
                return value
    return None


class Config:
    def __init__(self) -> None:
        self.transport = env("transport") or "tcp"
        if self.transport not in ("tcp", "ws", "quic-v1"):
            raise ValueError(f"transport: expected tcp, ws or quic-v1, got {self.transport}")
        quic = self.transport == "quic-v1"
        self.security = env("security", "secure_channel") or "noise"
        if quic:
            self.security = "noise"  # unused: QUIC brings TLS 1.3
        elif self.security not in ("noise", "tls"):
            raise ValueError(f"security: expected noise or tls, got {self.security}")
        self.muxer = env("muxer") or "yamux"
        if quic:
            self.muxer = "yamux"  # unused: QUIC streams are the libp2p streams
        elif self.muxer not in ("yamux", "mplex"):
            raise ValueError(f"muxer: expected yamux or mplex, got {self.muxer}")
        self.is_dialer = env("is_dialer") == "true"
        self.ip = env("ip", "listener_ip") or "127.0.0.1"
        family = "ip6" if ":" in self.ip else "ip4"
        default_addr = {
            "ws": f"/{family}/{self.ip}/tcp/0/ws",
            "quic-v1": f"/{family}/{self.ip}/udp/0/quic-v1",
        }.get(self.transport, f"/{family}/{self.ip}/tcp/0")
        self.listen_addr = env("listen_addr") or default_addr
        self.listener_addr = env("listener_addr", "remote_addr")
        self.timeout = float(env("test_timeout_seconds", "test_timeout_secs") or "180")
        if not self.timeout > 0:
            raise ValueError(f"test_timeout_seconds: expected > 0, got {self.timeout}")


async def read_all(stream, limit: int) -> bytes:
    """Reads until EOF; raises when more than `limit` bytes arrive."""
    chunks = []
    total = 0
    while True:
        try:
            chunk = await stream.read(64 * 1024)
        except StreamEOF:
            break
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise ValueError(f"more than {limit} bytes on one stream")
        chunks.append(chunk)
    return b"".join(chunks)


async def echo_handler(stream) -> None:
    """Echoes every byte back, then half-closes once the remote has."""
    try:
        total = 0
        while True:
            try:
                chunk = await stream.read(64 * 1024)
            except StreamEOF:
                break
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_ECHO_BYTES:
                raise ValueError("echo: too many bytes")
            await stream.write(chunk)
        await stream.close_write()
    except Exception as err:  # noqa: BLE001 - any failure resets only this stream
        print(f"echo handler: {err!r}", file=sys.stderr)
        await stream.reset()


async def identify(host, peer_id) -> dict:
    """Asks the remote for its identify message and reports what it says.

    py-libp2p identifies every new connection by itself but keeps only part of
    the answer (not the agent version), so we ask again. We wait for its own
    exchange to finish first: hosts may accept one identify stream at a time
    per connection (js-libp2p and weft do, by default), and a second concurrent
    one would be reset.
    """
    inflight = getattr(host, "_identify_inflight", set())
    while peer_id in inflight:
        await trio.sleep(0.01)
    # py-libp2p's own exchange may also start just after ours, or its stream
    # may not have closed on the remote's side yet: then the remote resets one
    # of the two (its one-stream limit) and ours may be it. Try again, a few
    # times, once the other exchange has had time to end.
    for attempt in range(5):
        try:
            stream = await host.new_stream(peer_id, [IDENTIFY_PROTOCOL])
            break
        except StreamFailure:
            if attempt == 4:
                raise
            await trio.sleep(0.1 * (attempt + 1))
    try:
        data = await read_all(stream, MAX_IDENTIFY_BYTES)
    finally:
        await stream.close()
    message = parse_identify_response(data)
    return {
        "agentVersion": message.agent_version,
        "protocols": sorted(message.protocols),
        "listenAddrs": [str(multiaddr.Multiaddr(raw)) for raw in message.listen_addrs],
    }


async def ping(host, peer_id) -> float:
    """One ping on /ipfs/ping/1.0.0 (32 random bytes echoed); returns the RTT in ms."""
    stream = await host.new_stream(peer_id, [PING_PROTOCOL])
    try:
        payload = random.randbytes(32)
        start = time.perf_counter()
        await stream.write(payload)
        answer = b""
        while len(answer) < 32:
            chunk = await stream.read(32 - len(answer))
            if not chunk:
                raise ValueError("ping: stream ended early")
            answer += chunk
        rtt = (time.perf_counter() - start) * 1000
        if answer != payload:
            raise ValueError("ping: echo differs from what we sent")
        return rtt
    finally:
        await stream.close()


def problems_of(report: dict) -> list[str]:
    problems = []
    if not report["agentVersion"]:
        problems.append("identify: empty agent version")
    for protocol in REQUIRED_PROTOCOLS:
        if protocol not in report["protocols"]:
            problems.append(f"identify: protocol {protocol} missing from {report['protocols']}")
    if not report["listenAddrs"]:
        problems.append("identify: no listen addresses")
    return problems


def payload(size: int) -> bytes:
    return random.Random(0x5EED).randbytes(size)


def own_address(host, config: Config) -> str:
    for addr in host.get_transport_addrs():
        text = str(addr)
        if (
            f"/{config.ip}/" in text
            and ("/ws" in text) == (config.transport == "ws")
            and ("/quic-v1" in text) == (config.transport == "quic-v1")
        ):
            return text
    raise RuntimeError(f"no {config.transport} listen address on {config.ip}")


async def run(config: Config) -> int:
    key_pair = create_new_key_pair()
    if config.security == "tls":
        security = {TLS_PROTOCOL_ID: TLSTransport(key_pair)}
    else:
        security = {
            NOISE_PROTOCOL_ID: NoiseTransport(key_pair, noise_privkey=create_new_x25519_key_pair().private_key)
        }
    muxers = {TProtocol(YAMUX_PROTOCOL_ID): Yamux} if config.muxer == "yamux" else {MPLEX_PROTOCOL_ID: Mplex}
    listen = multiaddr.Multiaddr(config.listen_addr)
    host = new_host(
        key_pair=key_pair,
        sec_opt=security,
        muxer_opt=muxers,
        listen_addrs=[listen],
        enable_websocket=config.transport == "ws",
        enable_quic=config.transport == "quic-v1",
        enable_tcp=config.transport != "quic-v1",
    )
    host.set_stream_handler(ECHO_PROTOCOL, echo_handler)
    async with host.run(listen_addrs=[listen]):
        own = own_address(host, config)
        me = {"peerId": str(host.get_id()), "agentVersion": AGENT_VERSION, "listenAddrs": [own]}

        if not config.is_dialer:
            print(f"{own}/p2p/{host.get_id()}", flush=True)
            network = host.get_network()
            while not network.get_connections_map():
                await trio.sleep(0.02)
            peer_id = next(iter(network.get_connections_map()))
            remote = await identify(host, peer_id)
            print(json.dumps({"self": me, "remote": remote}), flush=True)
            problems = problems_of(remote)
            for problem in problems:
                print(problem, file=sys.stderr)
            await trio.sleep_forever()  # serve until the runner ends us

        target = config.listener_addr or sys.stdin.readline().strip()
        info = info_from_p2p_addr(multiaddr.Multiaddr(target))
        start = time.perf_counter()
        await host.connect(info)
        rtt = await ping(host, info.peer_id)
        handshake_plus_one_rtt = (time.perf_counter() - start) * 1000

        remote = await identify(host, info.peer_id)
        problems = problems_of(remote)

        data = payload(ECHO_BYTES)
        echo_start = time.perf_counter()
        stream = await host.new_stream(info.peer_id, [ECHO_PROTOCOL])
        echoed = b""

        async def reader() -> None:
            nonlocal echoed
            echoed = await read_all(stream, MAX_ECHO_BYTES)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(reader)
            for offset in range(0, len(data), 64 * 1024):
                await stream.write(data[offset : offset + 64 * 1024])
            await stream.close_write()
        echo_ms = (time.perf_counter() - echo_start) * 1000
        if echoed != data:
            at = next((i for i, (a, b) in enumerate(zip(echoed, data)) if a != b), min(len(echoed), len(data)))
            raise ValueError(f"echo: sent {len(data)} bytes, got {len(echoed)} back, first difference at {at}")

        print(
            json.dumps(
                {
                    "handshakePlusOneRTTMillis": round(handshake_plus_one_rtt, 3),
                    "pingRTTMilllis": round(rtt, 3),
                    "echoMillis": round(echo_ms, 3),
                    "echoBytes": len(data),
                    "self": me,
                    "remote": remote,
                }
            ),
            flush=True,
        )
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0


async def main() -> int:
    try:
        config = Config()
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    with trio.move_on_after(config.timeout):
        return await run(config)
    print(f"py peer: timed out after {config.timeout} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    try:
        code = trio.run(main)
    except Exception as err:  # noqa: BLE001 - report and fail the test
        import traceback

        traceback.print_exc()
        print(f"py peer failed: {err!r}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    os._exit(code)
