#!/usr/bin/env python3
"""Long-lived flows that must survive something done to the translator meanwhile (an upgrade, ...).

Each prints one JSON line at the end (servers print READY first) and exits 0 unless the flow broke.

  streams.py tcp-sink PORT
        accepts one TCP connection (IPv6 socket, both families), reads until the peer closes, checks every byte
        against the pattern tcp-source sends: {"received": N, "pattern_ok": bool, "reset": bool}
  streams.py tcp-source HOST PORT STOPFILE [--rate BYTES_PER_S]
        one connection sending the pattern (paced) until STOPFILE exists, then a clean close:
        {"sent": N, "reset": bool, "error": str|null}
  streams.py udp-echo PORT
        echoes every datagram back (IPv6 socket, both families)
  streams.py udp-flow HOST PORT STOPFILE [--interval S]
        a datagram with a sequence number every S seconds until STOPFILE exists, each echo counted:
        {"sent": N, "received": M, "lost": N - M, "longest_gap_ms": the longest run of lost datagrams, in time}
"""
import json
import os
import socket
import struct
import sys
import threading
import time

CHUNK = 4096


def log(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


BASE = bytes(i % 251 for i in range(251 + 65536))


def pattern(offset, n):
    """Bytes offset .. offset+n (n <= 65536) of an endless stream whose byte i is i mod 251 (a prime: a lost or
    repeated chunk of any power-of-two size breaks it)."""
    return BASE[offset % 251 : offset % 251 + n]


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listen(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    return s


def tcp_sink(port):
    s = listen(socket.SOCK_STREAM, port)
    s.listen(1)
    log("READY")
    c, _ = s.accept()
    received, ok, reset = 0, True, False
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            if ok and b != pattern(received, len(b)):
                ok = False
            received += len(b)
    except ConnectionResetError:
        reset = True
    log({"received": received, "pattern_ok": ok, "reset": reset})
    return 0 if ok and not reset else 1


def tcp_source(host, port, stop, rate):
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    s.settimeout(10)
    sent, reset, error = 0, False, None
    try:
        s.connect((host, port))
        t0 = time.monotonic()
        while not os.path.exists(stop):
            s.sendall(pattern(sent, CHUNK))
            sent += CHUNK
            ahead = sent / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)  # the sink's close
    except ConnectionResetError as e:
        reset, error = True, str(e)
    except OSError as e:
        error = str(e)
    log({"sent": sent, "reset": reset, "error": error})
    return 0 if error is None else 1


def udp_echo(port):
    s = listen(socket.SOCK_DGRAM, port)
    log("READY")
    while True:
        b, peer = s.recvfrom(65536)
        s.sendto(b, peer)


def udp_flow(host, port, stop, interval):
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    s.connect((host, port))
    got = set()

    def receive():
        s.settimeout(0.5)
        while True:
            try:
                got.add(struct.unpack("!I", s.recv(64)[:4])[0])
            except socket.timeout:
                if done.is_set():
                    return
            except OSError:
                if done.is_set():
                    return

    done = threading.Event()
    t = threading.Thread(target=receive, daemon=True)
    t.start()
    seq = 0
    sent_at = []
    while not os.path.exists(stop):
        try:
            s.send(struct.pack("!I", seq) + b"x" * 28)
        except OSError:
            pass  # an ICMP error from a previous datagram: counted as lost below
        sent_at.append(time.monotonic())
        seq += 1
        time.sleep(interval)
    time.sleep(1.0)  # the last echoes
    done.set()
    t.join()
    longest, run_start = 0.0, None
    for i in range(seq):
        if i not in got:
            run_start = sent_at[i] if run_start is None else run_start
            longest = max(longest, sent_at[i] - run_start + interval)
        else:
            run_start = None
    log({"sent": seq, "received": len(got), "lost": seq - len(got), "longest_gap_ms": round(longest * 1000, 1)})
    return 0


def opt(args, name, default):
    return float(args[args.index(name) + 1]) if name in args else default


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    cmd, a = argv[0], argv[1:]
    if cmd == "tcp-sink":
        return tcp_sink(int(a[0]))
    if cmd == "tcp-source":
        return tcp_source(a[0], int(a[1]), a[2], opt(a, "--rate", 2_000_000))
    if cmd == "udp-echo":
        return udp_echo(int(a[0]))
    if cmd == "udp-flow":
        return udp_flow(a[0], int(a[1]), a[2], opt(a, "--interval", 0.01))
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
