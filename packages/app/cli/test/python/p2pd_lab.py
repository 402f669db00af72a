"""
Starts P2PD 3.1.9's own REST daemon (p2pd.rest_api.start_p2pd_server,
unchanged) inside the test's network namespace, where a local coturn is its
STUN server and a local mosquitto its MQTT broker.

P2PD has no setting, environment variable or argument for its servers: they
are module-level lists in p2pd/settings.py (STUN_MAP_SERVERS line 70,
STUN_CHANGE_SERVERS line 72, MQTT_SERVERS line 74, TURN_SERVERS line 136,
PNP_SERVERS line 30), star-imported by the modules that use them. The
comment at settings.py lines 23-24 says to point them at private servers, so
this launcher empties each list in place and fills it with the lab's
servers, which every importing module then sees. Three more patches, each
because P2PD would otherwise not start in a closed lab:

- the lab's documentation range (198.51.100.0/24) counts as public: P2PD
  drops STUN replies that map to a private address (stun_utils.py line 161)
  and asserts that a route's external address is public (route_defs.py
  line 81);
- the clock skew is not measured: SysClock.start asks public NTP servers
  (clock_skew.py lines 74-109), and the lab has none;
- the REST port, loopback-only inside the namespace (rest_api.py line 431),
  is bridged to a unix socket so the test outside the namespace reaches it.

Prints one JSON line ({"addr": ..., "bridge": ...}) when ready; runs until
SIGTERM.
"""
import argparse
import asyncio
import ipaddress
import json
import signal
import sys

LAB = ipaddress.ip_network("198.51.100.0/24")
BRIDGE_CHUNK = 256 * 1024


def host_port(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def count_lab_as_public():
    original = ipaddress.IPv4Address.is_private

    def is_private(self):
        return False if self in LAB else original.fget(self)

    ipaddress.IPv4Address.is_private = property(is_private)


def point_at_lab(stun, stun_alt, mqtt, copies):
    from p2pd import settings
    from p2pd.settings import IP4, IP6, TCP, UDP

    def mapping():
        return {"mode": 2, "host": None, "primary": {"ip": stun[0], "port": stun[1]},
                "secondary": {"ip": None, "port": None}}

    def change():
        return {"mode": 1, "primary": {"ip": stun[0], "port": stun[1]},
                "secondary": {"ip": stun_alt[0], "port": stun_alt[1]}}

    # P2PD asks several servers and wants them to agree (interface.py line
    # 427 min_agree=2; nat_utils.py line 181 wants 12 for the delta test),
    # so the one lab server is listed several times.
    for table, entry in ((settings.STUN_MAP_SERVERS, mapping), (settings.STUN_CHANGE_SERVERS, change)):
        for proto in (UDP, TCP):
            table.setdefault(proto, {IP4: [], IP6: []})
            table[proto][IP4][:] = [entry() for _ in range(copies)]
            table[proto][IP6][:] = []
    settings.MQTT_SERVERS[:] = [{"host": None, "port": port, IP4: ip, IP6: None} for ip, port in mqtt]
    settings.TURN_SERVERS[:] = [{"host": None, "port": stun[1], IP4: stun[0], IP6: None,
                                 "afs": [IP4], "user": None, "pass": None, "realm": None}]
    # nothing listens there: the name servers are refused at once
    for af in (IP4, IP6):
        for server in settings.PNP_SERVERS.get(af, []):
            server["ip"], server["port"] = stun[0], 9


def skip_clock_skew():
    from p2pd import clock_skew

    async def start(self):
        return self

    clock_skew.SysClock.start = start


async def bridge(unix_path, api_port):
    async def pump(reader, writer):
        try:
            while True:
                chunk = await reader.read(BRIDGE_CHUNK)
                if not chunk:
                    break
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                writer.write_eof()
            except (OSError, RuntimeError):
                writer.close()

    async def serve(client_reader, client_writer):
        try:
            api_reader, api_writer = await asyncio.open_connection("127.0.0.1", api_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, api_writer), pump(api_reader, client_writer))
        api_writer.close()
        client_writer.close()

    return await asyncio.start_unix_server(serve, path=unix_path)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stun", type=host_port, required=True)
    parser.add_argument("--stun-alt", type=host_port, required=True)
    parser.add_argument("--mqtt", type=host_port, action="append", required=True)
    parser.add_argument("--api-port", type=int, default=12333)
    parser.add_argument("--bridge", required=True)
    parser.add_argument("--copies", type=int, default=12)
    return parser.parse_args()


async def main(args):
    from p2pd import rest_api

    server = await rest_api.start_p2pd_server(port=args.api_port)
    relay = await bridge(args.bridge, args.api_port)
    addr = server.node.addr_bytes
    print(json.dumps({"addr": addr.decode() if isinstance(addr, bytes) else addr,
                      "bridge": args.bridge, "ifs": [nic.name for nic in server.interfaces]}), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(name, stop.set)
    await stop.wait()
    relay.close()
    await asyncio.wait_for(server.node.close(), 5)


if __name__ == "__main__":
    ARGS = parse_args()
    count_lab_as_public()
    point_at_lab(ARGS.stun, ARGS.stun_alt, ARGS.mqtt, ARGS.copies)
    skip_clock_skew()
    import p2pd.rest_api  # sets P2PD's event loop policy before the loop starts
    try:
        asyncio.run(main(ARGS))
    except asyncio.TimeoutError:
        pass
    sys.exit(0)
