"""A libtorrent DHT node for weft's Mainline interop tests, driven over stdin/stdout.

Runs only on loopback: it listens on 127.0.0.1, bootstraps from the nodes on
its command line (never the public routers) and has libtorrent's loopback
restrictions switched off. One JSON object per line each way:
  -> {"cmd": "announce", "infohash": hex}   (adds a torrent: libtorrent announces
     its own listen port; the Python bindings cannot call dht_announce's flags)
  -> {"cmd": "get_peers", "infohash": hex, "timeout": seconds}
  -> {"cmd": "add_node", "host": h, "port": n}
  -> {"cmd": "nodes"}           (routing-table size)
  -> {"cmd": "put_immutable", "value": hex}            (a byte-string item)
  -> {"cmd": "get_immutable", "target": hex, "timeout": seconds}
  -> {"cmd": "put_mutable", "seed": hex, "public": hex, "value": hex, "salt": hex}
  -> {"cmd": "get_mutable", "public": hex, "salt": hex, "timeout": seconds}
  -> {"cmd": "sample", "host": h, "port": n, "target": hex, "timeout": seconds}  (BEP51)
  -> {"cmd": "quit"}
<- {"ok": true, ...} or {"ok": false, "error": "..."}; first line: {"ok": true, "port": n, "version": libtorrent's}
"""
import hashlib
import json
import shutil
import sys
import tempfile
import time

import libtorrent as lt


def start(bootstrap):
    settings = {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "dht_bootstrap_nodes": ",".join(bootstrap),
        # a swarm on one host: many nodes share 127.0.0.1, none has a BEP42 id for it
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_enforce_node_id": False,
        "dht_prefer_verified_node_ids": False,
        "dht_block_ratelimit": 100000,
        "dht_upload_rate_limit": 1000000,
        "dht_announce_interval": 2,
        "alert_mask": lt.alert.category_t.dht_notification
        | lt.alert.category_t.dht_operation_notification
        | lt.alert.category_t.error_notification,
    }
    session = lt.session(settings)
    deadline = time.time() + 10
    while session.listen_port() == 0 and time.time() < deadline:
        time.sleep(0.05)
    return session


def wait_for(session, kind, timeout, accept=lambda alert: True):
    deadline = time.time() + timeout
    while time.time() < deadline:
        session.wait_for_alert(int(max(0.0, deadline - time.time()) * 1000))
        for alert in session.pop_alerts():
            if isinstance(alert, kind) and accept(alert):
                return alert
    return None


def routing_table_size(session):
    session.post_dht_stats()
    alert = wait_for(session, lt.dht_stats_alert, 5)
    nodes = sum(bucket["num_nodes"] for bucket in alert.routing_table) if alert else 0
    return nodes


def main():
    bootstrap = sys.argv[1:]
    session = start(bootstrap)
    downloads = tempfile.mkdtemp(prefix="weft-libtorrent-")
    try:
        serve(session, downloads)
    finally:
        shutil.rmtree(downloads, ignore_errors=True)


def serve(session, downloads):
    reply({"ok": True, "port": session.listen_port(), "version": lt.__version__})
    for line in sys.stdin:
        try:
            command = json.loads(line)
            name = command["cmd"]
            if name == "quit":
                reply({"ok": True})
                return
            if name == "announce":
                params = lt.add_torrent_params()
                params.info_hashes = lt.info_hash_t(lt.sha1_hash(bytes.fromhex(command["infohash"])))
                params.save_path = downloads
                session.add_torrent(params)
                reply({"ok": True, "port": session.listen_port()})
            elif name == "get_peers":
                wanted = bytes.fromhex(command["infohash"])
                session.dht_get_peers(lt.sha1_hash(wanted))
                alert = wait_for(
                    session,
                    lt.dht_get_peers_reply_alert,
                    command.get("timeout", 10),
                    lambda a: bytes(a.info_hash.to_bytes()) == wanted,
                )
                peers = [] if alert is None else [{"host": host, "port": port} for host, port in alert.peers()]
                reply({"ok": True, "peers": peers})
            elif name == "add_node":
                session.add_dht_node((command["host"], command["port"]))
                reply({"ok": True})
            elif name == "put_immutable":
                target = session.dht_put_immutable_item(bytes.fromhex(command["value"]))
                wanted = bytes(target.to_bytes())
                alert = wait_for(session, lt.dht_put_alert, 20, lambda a: bytes(a.target.to_bytes()) == wanted)
                reply({"ok": True, "target": wanted.hex(), "stored": -1 if alert is None else alert.num_success})
            elif name == "get_immutable":
                wanted = bytes.fromhex(command["target"])
                session.dht_get_immutable_item(lt.sha1_hash(wanted))
                alert = wait_for(
                    session,
                    lt.dht_immutable_item_alert,
                    command.get("timeout", 10),
                    lambda a: bytes(a.target.to_bytes()) == wanted,
                )
                reply({"ok": True, "value": None if alert is None else as_hex(alert.item)})
            elif name == "put_mutable":
                public = bytes.fromhex(command["public"])
                salt = bytes.fromhex(command.get("salt", ""))
                session.dht_put_mutable_item(
                    libtorrent_secret(bytes.fromhex(command["seed"])), public, bytes.fromhex(command["value"]), salt
                )
                alert = wait_for(session, lt.dht_put_alert, 20, lambda a: bytes(a.public_key) == public)
                reply(
                    {
                        "ok": True,
                        "stored": -1 if alert is None else alert.num_success,
                        "seq": -1 if alert is None else alert.seq,
                    }
                )
            elif name == "get_mutable":
                public = bytes.fromhex(command["public"])
                session.dht_get_mutable_item(public, bytes.fromhex(command.get("salt", "")))
                # libtorrent alerts each newer item it meets; the last (authoritative) one wins
                best = None
                deadline = time.time() + command.get("timeout", 10)
                while time.time() < deadline:
                    alert = wait_for(
                        session, lt.dht_mutable_item_alert, deadline - time.time(), lambda a: bytes(a.key) == public
                    )
                    if alert is None:
                        break
                    best = alert
                    if alert.authoritative:
                        break
                reply(
                    {
                        "ok": True,
                        "value": None if best is None else as_hex(best.item),
                        "seq": None if best is None else best.seq,
                    }
                )
            elif name == "sample":
                session.dht_sample_infohashes((command["host"], command["port"]), lt.sha1_hash(bytes.fromhex(command["target"])))
                alert = wait_for(session, lt.dht_sample_infohashes_alert, command.get("timeout", 10))
                reply(
                    {
                        "ok": True,
                        "samples": [] if alert is None else [bytes(s.to_bytes()).hex() for s in alert.samples],
                        "num": None if alert is None else alert.num_infohashes,
                        "interval": None if alert is None else alert.interval.total_seconds(),
                    }
                )
            elif name == "nodes":
                reply({"ok": True, "nodes": routing_table_size(session)})
            else:
                reply({"ok": False, "error": "unknown command " + name})
        except Exception as error:  # the test reads the error; the driver keeps running
            reply({"ok": False, "error": repr(error)})


def libtorrent_secret(seed):
    """libtorrent's 64-byte Ed25519 secret key: SHA-512 of the RFC 8032 seed, clamped (orlp/ed25519)."""
    digest = bytearray(hashlib.sha512(seed).digest())
    digest[0] &= 248
    digest[31] &= 63
    digest[31] |= 64
    return bytes(digest)


def as_hex(item):
    """An item's value as hex when it is a byte string, else its repr."""
    if isinstance(item, dict) and "value" in item:
        # the 2.0 bindings hand the alert's item over as {"key": ..., "value": ...}
        item = item["value"]
    if isinstance(item, (bytes, bytearray)):
        return bytes(item).hex()
    if isinstance(item, str):
        return item.encode("latin1").hex()
    return repr(item)


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
