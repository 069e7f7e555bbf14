#!/usr/bin/env python3
"""Echo listener and client for the xlat end-to-end tests and the lab (real sockets, both families).

  sockets.py serve tcp|udp PORT            listen on all addresses (IPv6 socket, v4 and v6), print READY,
                                           echo every payload back; one JSON line per TCP connection / datagram
  sockets.py client tcp|udp HOST PORT [--size N] [--timeout S] [--bind ADDR]
                                           send N pseudo-random bytes, read the echo, print one JSON line:
                                           {"ok": true, "sent": N, "received": N, "local": ..., "peer": ...}
                                           (UDP: also "lport"; --bind ADDR sends from that address)
The client exits 0 only when the echoed bytes equal what was sent.
"""
import json
import os
import socket
import sys
import threading


def host_of(addr):
    """'::ffff:198.51.100.2' (an IPv4 peer on the dual-stack socket) -> '198.51.100.2'."""
    return addr[7:] if addr.startswith("::ffff:") and "." in addr else addr


def log(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(proto, port):
    if proto == "tcp":
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    if proto == "tcp":
        s.listen(16)
    log({"event": "READY", "READY": True, "proto": proto, "port": port})
    if proto == "udp":
        while True:
            data, peer = s.recvfrom(65535)
            s.sendto(data, peer)
            log({"event": "datagram", "peer": host_of(peer[0]), "bytes": len(data)})
    while True:
        conn, peer = s.accept()
        threading.Thread(target=echo_conn, args=(conn, peer), daemon=True).start()


def echo_conn(conn, peer):
    total = 0
    try:
        while True:
            data = conn.recv(262144)
            if not data:
                break
            conn.sendall(data)
            total += len(data)
        conn.shutdown(socket.SHUT_WR)
    except OSError as e:
        log({"event": "error", "peer": host_of(peer[0]), "error": str(e)})
    finally:
        conn.close()
    log({"event": "connection", "peer": host_of(peer[0]), "bytes": total})


def client(proto, host, port, size, timeout, bind=None):
    payload = os.urandom(size)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    result = {"ok": False, "proto": proto, "host": host, "sent": size, "received": 0}
    try:
        if proto == "udp":
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.settimeout(timeout)
            if bind:
                s.bind((bind, 0))
            s.connect((host, port))
            result["local"] = s.getsockname()[0]
            result["lport"] = s.getsockname()[1]
            got = b""
            # a few tries: the first datagram may race neighbour resolution
            for _ in range(3):
                s.send(payload)
                try:
                    got = s.recv(65535)
                    break
                except socket.timeout:
                    continue
            result["received"] = len(got)
            result["ok"] = got == payload
            result["peer"] = host
        else:
            s = socket.create_connection((host, port), timeout=timeout)
            s.settimeout(timeout)
            result["local"] = s.getsockname()[0]
            result["peer"] = s.getpeername()[0]
            err = []

            def sender():
                try:
                    s.sendall(payload)
                    s.shutdown(socket.SHUT_WR)
                except OSError as e:
                    err.append(str(e))

            t = threading.Thread(target=sender, daemon=True)
            t.start()
            chunks = []
            n = 0
            while True:
                data = s.recv(262144)
                if not data:
                    break
                chunks.append(data)
                n += len(data)
            t.join(timeout)
            got = b"".join(chunks)
            result["received"] = n
            result["ok"] = got == payload and not err
            if err:
                result["error"] = err[0]
        s.close()
    except OSError as e:
        result["error"] = "%s: %s" % (type(e).__name__, e)
    log(result)
    return 0 if result["ok"] else 1


def main(argv):
    if len(argv) >= 3 and argv[0] == "serve" and argv[1] in ("tcp", "udp"):
        serve(argv[1], int(argv[2]))
        return 0
    if len(argv) >= 4 and argv[0] == "client" and argv[1] in ("tcp", "udp"):
        size, timeout, bind = 1000, 5.0, None
        rest = argv[4:]
        while rest:
            opt = rest.pop(0)
            if opt == "--size":
                size = int(rest.pop(0))
            elif opt == "--timeout":
                timeout = float(rest.pop(0))
            elif opt == "--bind" and argv[1] == "udp":
                bind = rest.pop(0)
            else:
                raise SystemExit("unknown option " + opt)
        return client(argv[1], argv[2], int(argv[3]), size, timeout, bind)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
