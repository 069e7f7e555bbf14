#!/usr/bin/env python3
"""Traffic of several IPv6 subscribers for the deterministic pool4 tests (real UDP sockets).

  subscribers.py mirror PORT
        UDP server (IPv6 socket, both families): prints READY, answers each datagram with the transport address
        it came from, as text "ADDR#PORT"
  subscribers.py flows HOST PORT SRC COUNT [--timeout S]
        COUNT UDP flows from the IPv6 address SRC (each its own socket and source port), one datagram each;
        prints one JSON line {"src": SRC, "seen": ["ADDR#PORT" or null per flow]} (null: no answer in time).
        The sockets stay open until all flows are done, so every flow needs its own mapping at once.
"""
import json
import socket
import sys
import time


def mirror(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    print(json.dumps({"event": "READY", "READY": True, "port": port}), flush=True)
    while True:
        data, peer = s.recvfrom(2048)
        host = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
        s.sendto(f"{host}#{peer[1]}".encode(), peer)


def flows(host, port, src, count, timeout):
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.settimeout(timeout)
        s.sendto(f"flow {i}".encode(), (host, port))
        socks.append(s)
    seen = []
    for s in socks:
        try:
            data, _ = s.recvfrom(2048)
            seen.append(data.decode())
        except socket.timeout:
            seen.append(None)
    for s in socks:
        s.close()
    print(json.dumps({"src": src, "seen": seen}), flush=True)
    return 0


def main(argv):
    timeout = 2.0
    if "--timeout" in argv:
        i = argv.index("--timeout")
        timeout = float(argv[i + 1])
        del argv[i:i + 2]
    if argv[:1] == ["mirror"] and len(argv) == 2:
        mirror(int(argv[1]))
        return 0
    if argv[:1] == ["flows"] and len(argv) == 5:
        return flows(argv[1], int(argv[2]), argv[3], int(argv[4]), timeout)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
