"""Drives two weft daemons with p2pclient (the Python libp2p daemon client),
unchanged: identify, a stream handler on one daemon, connect from the other,
list peers, open a stream and check its echo, disconnect. Prints one JSON
object with what it saw; the test asserts on it.

usage: p2pclient_echo.py <alice control socket> <bob control socket> <handler socket>
"""
import json
import os
import sys

import anyio
from multiaddr import Multiaddr
from p2pclient import Client

ECHO = "/weft-test/echo/1.0.0"


async def echo(_info, stream):
    try:
        while True:
            await stream.send(await stream.receive(65536))
    except (anyio.EndOfStream, anyio.BrokenResourceError):
        pass
    await stream.aclose()


async def main(alice_sock, bob_sock, handler_sock):
    alice = Client(Multiaddr(f"/unix{alice_sock}"), Multiaddr(f"/unix{handler_sock}"))
    bob = Client(Multiaddr(f"/unix{bob_sock}"))
    alice_id, alice_addrs = await alice.identify()
    bob_id, _ = await bob.identify()
    seen = {"alice": alice_id.to_base58(), "bob": bob_id.to_base58(), "aliceAddrs": [str(a) for a in alice_addrs]}
    async with alice.listen():
        await alice.stream_handler(ECHO, echo)
        await bob.connect(alice_id, alice_addrs)
        seen["bobPeers"] = [p.peer_id.to_base58() for p in await bob.list_peers()]
        info, stream = await bob.stream_open(alice_id, [ECHO])
        seen["protocol"] = info.proto
        payload = os.urandom(300_000)
        async with anyio.create_task_group() as group:
            group.start_soon(stream.send, payload)
            received = b""
            with anyio.fail_after(20):
                while len(received) < len(payload):
                    received += await stream.receive(65536)
        seen["echoed"] = received == payload
        seen["echoedBytes"] = len(received)
        await stream.aclose()
        await bob.disconnect(alice_id)
        seen["bobPeersAfterDisconnect"] = len(await bob.list_peers())
    print(json.dumps(seen), flush=True)


anyio.run(main, *sys.argv[1:])
