#!/usr/bin/env python3
"""Many flows through a NAT64, for the tables-full tests and the session churn soak (standard library only).

Every subcommand prints JSON lines; long-running ones print {"READY": true} first and a last line with totals
when they end (after --seconds, or at SIGTERM).

  churn.py echo PORT
        UDP and TCP echo on PORT (one IPv6 socket each, both families). A UDP reply is the datagram followed by
        b"|" and the sender's "ADDR#PORT" as the server saw it (so that a client can tell when its mapping
        changed); a TCP connection is echoed as is. Totals: {"udp": datagrams, "tcp": connections}.
  churn.py flows HOST PORT COUNT [--rounds R] [--interval S] [--timeout S] [--size B] [--sport P]
        COUNT UDP flows (one socket, so one source port, each: P, P+1, ... with --sport, else the kernel's
        choice) kept open for R rounds; each round sends one datagram (of B bytes at least) per flow and waits up to --timeout for the echoes. One line per round:
        {"round": i, "answered": N, "count": COUNT, "moved": M} where M counts flows whose address and port,
        as the server sees them, changed since they were first answered (a mapping lost and made again).
  churn.py hold HOST PORT --tcp N --udp N --idle-every S --seconds T
        long-lived flows: N TCP connections and N UDP flows that exchange every second ("active"), and as many
        that exchange only every S seconds ("idle"), for T seconds. Last line: {"exchanges": n, "failed": [...],
        "moved": [...]} listing each flow that missed an answer or whose mapping changed.
  churn.py storm HOST PORT --proto tcp|udp --seconds T [--parallel N] [--timeout S]
        new flows as fast as they complete for T seconds, N in flight: TCP connect, 8 bytes echoed, close;
        or UDP: a new socket, one datagram echoed, close. Last line: {"ok": n, "failed": n, "rate": ok per s}.
  churn.py frag-flood IFACE DSTMAC SRC6 DST6 --seconds T [--rate N]
        first IPv6 fragments (UDP, M=1, a new identification each) written on IFACE (an AF_PACKET socket) for
        T seconds, N per second (0: as fast as possible). Last line: {"sent": n, "rate": per s}.
"""
import json
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import time
from traffic import opts  # the same option parser (a sibling script: its folder is on sys.path)


def log(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()




def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def peer_text(peer):
    addr = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
    return f"{addr}#{peer[1]}"


class Stop:
    """Set by SIGTERM/SIGINT: loops end and print their totals."""

    stop = False


def on_signal(*_):
    Stop.stop = True


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)


def echo(port):
    sel = selectors.DefaultSelector()
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    u.bind(("::", port))
    u.setblocking(False)
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("::", port))
    t.listen(4096)
    t.setblocking(False)
    sel.register(u, selectors.EVENT_READ, "udp")
    sel.register(t, selectors.EVENT_READ, "listen")
    totals = {"udp": 0, "tcp": 0}
    log({"READY": True, "port": port})
    while not Stop.stop:
        for key, _ in sel.select(0.5):
            s = key.fileobj
            if key.data == "udp":
                for _ in range(64):
                    try:
                        data, peer = s.recvfrom(65536)
                    except (BlockingIOError, InterruptedError):
                        break
                    totals["udp"] += 1
                    try:
                        s.sendto(data + b"|" + peer_text(peer).encode(), peer)
                    except OSError:
                        pass
            elif key.data == "listen":
                for _ in range(64):
                    try:
                        c, _peer = s.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    c.setblocking(False)
                    totals["tcp"] += 1
                    sel.register(c, selectors.EVENT_READ, "conn")
            else:
                try:
                    data = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if data:
                    try:
                        s.sendall(data)
                    except OSError:
                        data = b""
                if not data:
                    sel.unregister(s)
                    s.close()
    log(totals)


def udp_round(flows, host, port, timeout, seen, moved, size=0):
    """One datagram per flow ({name: socket}); returns the names answered. A flow whose mapping (as the server saw
    it) differs from the first one seen goes into `moved`."""
    sel = selectors.DefaultSelector()
    waiting = {}
    for name, s in flows.items():
        payload = f"{name}:{time.monotonic()}:".encode()
        payload += b"x" * max(0, size - len(payload))
        try:
            s.sendto(payload, (host, port))
        except OSError:
            continue
        waiting[s] = (name, payload)
        sel.register(s, selectors.EVENT_READ)
    answered = set()
    end = time.monotonic() + timeout
    while waiting and time.monotonic() < end:
        for key, _ in sel.select(max(0.0, end - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                continue
            name, payload = waiting[s]
            if not data.startswith(payload + b"|"):
                continue  # a late answer to an earlier round
            mapping = data[len(payload) + 1 :].decode()
            if seen.setdefault(name, mapping) != mapping:
                moved.add(name)
            answered.add(name)
            del waiting[s]
            sel.unregister(s)
    sel.close()
    return answered


def flows(host, port, count, rounds, interval, timeout, size, sport):
    socks = {}
    for i in range(count):
        socks[i] = socket.socket(family_of(host), socket.SOCK_DGRAM)
        socks[i].setblocking(False)
        if sport:
            socks[i].bind(("::" if family_of(host) == socket.AF_INET6 else "0.0.0.0", sport + i))
    seen, moved = {}, set()
    log({"READY": True})
    for r in range(rounds):
        if Stop.stop:
            break
        t0 = time.monotonic()
        answered = udp_round(socks, host, port, timeout, seen, moved, size)
        log({"round": r, "answered": len(answered), "count": count, "moved": len(moved)})
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))


def tcp_exchange(s, timeout):
    payload = os.urandom(8)
    s.settimeout(timeout)
    s.sendall(payload)
    got = b""
    while len(got) < len(payload):
        chunk = s.recv(64)
        if not chunk:
            raise OSError("closed")
        got += chunk
    return got == payload


def hold(host, port, ntcp, nudp, idle_every, seconds):
    fam = family_of(host)
    kinds = []  # (name, kind, every)
    tcp = {}
    for i in range(ntcp):
        for mode, every in (("active", 1.0), ("idle", idle_every)):
            name = f"tcp-{mode}-{i}"
            s = socket.create_connection((host, port), timeout=5)
            tcp[name] = s
            kinds.append((name, "tcp", every))
    udp = {}
    for i in range(nudp):
        for mode, every in (("active", 1.0), ("idle", idle_every)):
            name = f"udp-{mode}-{i}"
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.setblocking(False)
            udp[name] = s
            kinds.append((name, "udp", every))
    failed, seen, moved = set(), {}, set()
    last = {name: 0.0 for name, _, _ in kinds}
    exchanges = 0
    log({"READY": True, "flows": [k[0] for k in kinds]})
    end = time.monotonic() + seconds
    final = False
    while True:
        final = Stop.stop or time.monotonic() >= end
        now = time.monotonic()
        due = [n for n, _, every in kinds if final or now - last[n] >= every]
        for n in due:
            last[n] = now
            if n in tcp:
                try:
                    if not tcp_exchange(tcp[n], 3):
                        failed.add(n)
                except OSError:
                    failed.add(n)
                exchanges += 1
        due_udp = {n: udp[n] for n in due if n in udp}
        if due_udp:
            failed.update(set(due_udp) - udp_round(due_udp, host, port, 3, seen, moved))
            exchanges += len(due_udp)
        if final:
            break
        time.sleep(0.1)
    log({"exchanges": exchanges, "failed": sorted(failed), "moved": sorted(moved)})


def storm(host, port, proto, seconds, parallel, timeout):
    fam = family_of(host)
    sel = selectors.DefaultSelector()
    ok = failed = 0
    errors = {}
    inflight = {}  # socket -> (deadline, payload, stage)
    log({"READY": True})
    t0 = time.monotonic()
    end = t0 + seconds

    def start():
        s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
        s.setblocking(False)
        payload = os.urandom(8)
        if proto == "tcp":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 0, 0))
            err = s.connect_ex((host, port))
            if err not in (0, 115):  # EINPROGRESS
                s.close()
                return False
            sel.register(s, selectors.EVENT_WRITE)
            inflight[s] = (time.monotonic() + timeout, payload, "connect")
        else:
            try:
                s.sendto(payload, (host, port))
            except OSError:
                s.close()
                return False
            sel.register(s, selectors.EVENT_READ)
            inflight[s] = (time.monotonic() + timeout, payload, "reply")
        return True

    def finish(s, good, why=None):
        nonlocal ok, failed
        sel.unregister(s)
        del inflight[s]
        s.close()
        if good:
            ok += 1
        else:
            failed += 1
            errors[why] = errors.get(why, 0) + 1

    while not Stop.stop:
        now = time.monotonic()
        while now < end and len(inflight) < parallel:
            if not start():
                failed += 1
                errors["start"] = errors.get("start", 0) + 1
        if not inflight and now >= end:
            break
        for key, _ in sel.select(0.05):
            s = key.fileobj
            deadline, payload, stage = inflight[s]
            try:
                if stage == "connect":
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        finish(s, False, os.strerror(err))
                        continue
                    s.send(payload)
                    inflight[s] = (deadline, payload, "reply")
                    sel.modify(s, selectors.EVENT_READ)
                else:
                    data = s.recv(2048)
                    finish(s, data.startswith(payload), None if data.startswith(payload) else "bad echo")
            except OSError as e:
                finish(s, False, e.strerror or str(e))
        now = time.monotonic()
        for s in [s for s, (d, _, _) in inflight.items() if d < now]:
            finish(s, False, "timeout")
    took = time.monotonic() - t0
    log({"proto": proto, "ok": ok, "failed": failed, "seconds": round(took, 2), "rate": round(ok / took, 1), "errors": errors})


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frag_flood(iface, dstmac, src6, dst6, seconds, rate):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    mac = s.getsockname()[4]
    src = socket.inet_pton(socket.AF_INET6, src6)
    dst = socket.inet_pton(socket.AF_INET6, dst6)
    eth = bytes(int(x, 16) for x in dstmac.split(":")) + mac + b"\x86\xdd"
    # UDP of a 2000-byte datagram from port 40999 to 9: the first 64 bytes of it (8 header + 56 payload)
    body = bytes(1992)
    udp_len = 8 + len(body)
    pseudo = src + dst + struct.pack("!I3xB", udp_len, 17)
    udp = struct.pack("!HHHH", 40999, 9, udp_len, 0)
    c = csum(pseudo + udp + body) or 0xFFFF
    first = struct.pack("!HHHH", 40999, 9, udp_len, c) + body[:56]
    ip6 = struct.pack("!IHBB", 6 << 28, 8 + len(first), 44, 64) + src + dst
    log({"READY": True})
    sent = 0
    t0 = time.monotonic()
    end = t0 + seconds
    ident = int.from_bytes(os.urandom(4), "big")
    while not Stop.stop:
        if sent % 64 == 0:
            now = time.monotonic()
            if now >= end:
                break
            if rate and sent > rate * (now - t0):
                time.sleep(sent / rate - (now - t0))
        ident = (ident + 1) & 0xFFFFFFFF
        frag = struct.pack("!BBHI", 17, 0, 1, ident)  # offset 0, M=1
        try:
            s.send(eth + ip6 + frag + first)
            sent += 1
        except OSError:
            time.sleep(0.001)
    took = time.monotonic() - t0
    log({"sent": sent, "seconds": round(took, 2), "rate": round(sent / took)})


def main(argv):
    # thousands of sockets at once (flows, storms): as many descriptors as the hard limit allows
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    if not argv:
        raise SystemExit(__doc__)
    cmd, rest = argv[0], argv[1:]
    if cmd == "echo":
        return echo(int(rest[0]))
    if cmd == "flows":
        o = opts(rest[3:], {"rounds": 1, "interval": 1.0, "timeout": 1.0, "size": 0, "sport": 0})
        return flows(rest[0], int(rest[1]), int(rest[2]), o["rounds"], o["interval"], o["timeout"], o["size"], o["sport"])
    if cmd == "hold":
        o = opts(rest[2:], {"tcp": 2, "udp": 2, "idle-every": 4.0, "seconds": 10.0})
        return hold(rest[0], int(rest[1]), o["tcp"], o["udp"], o["idle-every"], o["seconds"])
    if cmd == "storm":
        o = opts(rest[2:], {"proto": "udp", "seconds": 10.0, "parallel": 64, "timeout": 1.0})
        return storm(rest[0], int(rest[1]), o["proto"], o["seconds"], o["parallel"], o["timeout"])
    if cmd == "frag-flood":
        o = opts(rest[4:], {"seconds": 5.0, "rate": 0})
        return frag_flood(rest[0], rest[1], rest[2], rest[3], o["seconds"], o["rate"])
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
