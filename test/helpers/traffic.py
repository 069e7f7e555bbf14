#!/usr/bin/env python3
"""Real traffic for the xlat end-to-end tests: the client and server behaviours the packet suites missed.

Each subcommand prints one JSON line (servers: READY first, then one line per event) and exits 0 on success.

  traffic.py short-tcp HOST PORT COUNT [--timeout S]
        COUNT short TCP connections one after the other (connect, send, read the echo, both sides close):
        {"ok": N, "failed": M, "seconds": T, "rate": N/T, "errors": {...}}; exit 0 when none failed
  traffic.py idle-tcp HOST PORT IDLE [--timeout S]
        one connection: an exchange, IDLE seconds of silence, another exchange. {"first": bool, "after_idle": bool}
  traffic.py tftp-server PORT [--from ADDR]
        UDP: answers each datagram from a new socket on another port (as a TFTP server does), bound to ADDR if
        given; logs {"event": "datagram", "peer": ..., "reply_port": ...}
  traffic.py tftp-client HOST PORT [--timeout S]
        sends one datagram to HOST#PORT and waits for an answer from any port of HOST:
        {"ok": bool, "reply_port": P}
  traffic.py udp-zero HOST PORT SPORT
        one IPv4 UDP datagram whose checksum field is 0 ("no checksum"), through a raw socket
  traffic.py udp-serve PORT [--count N] [--seconds S]
        counts the datagrams received on PORT (IPv6 socket, both families): {"received": N, "peers": [...]}
  traffic.py tcp-options-server PORT
        a TCP echo server whose connections carry IPv4 options (IP_OPTIONS: four no-operation bytes)
  traffic.py udp-refused HOST PORT [--timeout S]
        a connected UDP socket sends twice; {"refused": bool}: the second send or the read saw ICMP port unreachable
"""
import json
import os
import socket
import struct
import sys
import threading
import time


def log(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def opts(argv, defaults):
    out = dict(defaults)
    rest = list(argv)
    while rest:
        key = rest.pop(0)
        if not key.startswith("--") or key[2:] not in defaults:
            raise SystemExit("unknown option " + key)
        out[key[2:]] = type(defaults[key[2:]])(rest.pop(0)) if defaults[key[2:]] is not None else rest.pop(0)
    return out


def exchange(s, data):
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    return got == data


def short_tcp(host, port, count, timeout):
    ok = failed = 0
    errors = {}
    start = time.monotonic()
    for i in range(count):
        try:
            s = socket.create_connection((host, port), timeout=timeout)
            s.settimeout(timeout)
            good = exchange(s, b"short connection %d" % i)
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
            s.close()
            if good:
                ok += 1
                continue
            raise OSError("echo differs")
        except OSError as e:
            failed += 1
            name = type(e).__name__
            errors[name] = errors.get(name, 0) + 1
    seconds = time.monotonic() - start
    log({"ok": ok, "failed": failed, "seconds": round(seconds, 3), "rate": round(ok / seconds, 1) if seconds else 0,
         "errors": errors})
    return 0 if failed == 0 else 1


def idle_tcp(host, port, idle, timeout):
    result = {"first": False, "after_idle": False}
    try:
        s = socket.create_connection((host, port), timeout=timeout)
        s.settimeout(timeout)
        result["first"] = exchange(s, b"before")
        time.sleep(idle)
        result["after_idle"] = exchange(s, b"after the silence")
        s.close()
    except OSError as e:
        result["error"] = "%s: %s" % (type(e).__name__, e)
    log(result)
    return 0 if result["first"] and result["after_idle"] else 1


def tftp_server(port, bind_from):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    log({"event": "READY", "READY": True, "port": port})
    while True:
        data, peer = s.recvfrom(65535)
        # A TFTP server answers from a new transfer port (RFC 1350), here also from another address if asked.
        r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        r.bind(("::ffff:" + bind_from if bind_from else "::", 0))
        r.sendto(data, peer)
        log({"event": "datagram", "peer": peer[0], "reply_port": r.getsockname()[1]})
        r.close()


def tftp_client(host, port, timeout):
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    result = {"ok": False}
    for _ in range(2):
        s.sendto(b"RRQ file", (host, port))
        try:
            data, peer = s.recvfrom(65535)
            result = {"ok": data == b"RRQ file", "reply_port": peer[1], "reply_from": peer[0]}
            break
        except socket.timeout:
            continue
    log(result)
    return 0 if result["ok"] else 1


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_zero(host, port, sport):
    payload = b"a UDP datagram without checksum"
    header = struct.pack("!HHHH", sport, port, 8 + len(payload), 0)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    s.sendto(header + payload, (host, 0))
    log({"sent": len(payload), "checksum": 0})
    return 0


def udp_serve(port, count, seconds):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.settimeout(0.2)
    log({"event": "READY", "READY": True, "port": port})
    peers = []
    deadline = time.monotonic() + seconds
    while len(peers) < count and time.monotonic() < deadline:
        try:
            data, peer = s.recvfrom(65535)
            peers.append(peer[0])
            s.sendto(data, peer)
        except socket.timeout:
            continue
    log({"received": len(peers), "peers": peers})
    return 0


def tcp_options_server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(8)
    log({"event": "READY", "READY": True, "port": port})
    while True:
        conn, peer = s.accept()
        # Every packet of this connection, the SYN-ACK's successors, carries four NOP option bytes.
        conn.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x01\x01\x01\x01")

        def echo(c=conn):
            total = 0
            try:
                while True:
                    data = c.recv(65536)
                    if not data:
                        break
                    c.sendall(data)
                    total += len(data)
                c.shutdown(socket.SHUT_WR)
            except OSError as e:
                log({"event": "error", "error": str(e)})
            c.close()
            log({"event": "connection", "bytes": total})

        threading.Thread(target=echo, daemon=True).start()


def udp_refused(host, port, timeout):
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.connect((host, port))
    refused = False
    try:
        s.send(b"anybody?")
        time.sleep(0.3)
        s.send(b"anybody?")
        s.recv(100)
    except ConnectionRefusedError:
        refused = True
    except OSError:
        pass
    log({"refused": refused})
    return 0 if refused else 1


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "short-tcp":
        o = opts(args[3:], {"timeout": 2.0})
        return short_tcp(args[0], int(args[1]), int(args[2]), o["timeout"])
    if cmd == "idle-tcp":
        o = opts(args[3:], {"timeout": 3.0})
        return idle_tcp(args[0], int(args[1]), float(args[2]), o["timeout"])
    if cmd == "tftp-server":
        o = opts(args[1:], {"from": None})
        return tftp_server(int(args[0]), o["from"])
    if cmd == "tftp-client":
        o = opts(args[2:], {"timeout": 2.0})
        return tftp_client(args[0], int(args[1]), o["timeout"])
    if cmd == "udp-zero":
        return udp_zero(args[0], int(args[1]), int(args[2]))
    if cmd == "udp-serve":
        o = opts(args[1:], {"count": 1, "seconds": 5.0})
        return udp_serve(int(args[0]), o["count"], o["seconds"])
    if cmd == "tcp-options-server":
        return tcp_options_server(int(args[0]))
    if cmd == "udp-refused":
        o = opts(args[2:], {"timeout": 2.0})
        return udp_refused(args[0], int(args[1]), o["timeout"])
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
