#!/usr/bin/env python3
"""Long-lived flows for the cluster lab (scripts/lab-cluster.mjs) and its test (test/cluster/).

  flows.py serve PORT
      UDP and TCP echo on PORT (all addresses, both families). Each answer carries the transport address the
      server saw the request come from ("198.51.100.2#40001"): behind a NAT64 that names the translator's pool4
      address, so the client learns which node translated each request.
  flows.py probe --src ADDR[,ADDR...] --target ADDR --port PORT [--udp N] [--tcp N] [--base-port P]
                 [--interval S] [--duration S]
      N UDP flows from source ports P, P+1, ... and N TCP connections from ports P+1000, ..., their source
      addresses taken from the --src list in turn (several subscribers of a NAT64); each flow sends one
      request per interval (a TCP connection only when its previous request was answered) for the duration.
      Fixed source ports make every flow a fixed 5-tuple, so the router's ECMP hash keeps it on one path until
      the routes change. SIGTERM ends the run early (the lab stops it a fixed time after the failure, however
      long the steps before took). Prints READY on stderr once every TCP connection is up, then one JSON object
      on stdout: {"start": unix time, "duration": seconds it ran, "peers": [...], "flows": [{"proto", "src", "sport", "replies": [[ms since start, peer index]],
      "closed": ms or null, "error": str or null}]}
"""
import argparse
import json
import selectors
import signal
import socket
import sys
import threading
import time


def host_of(addr):
    return addr[7:] if addr.startswith("::ffff:") and "." in addr else addr


def serve(port):
    udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    udp.bind(("::", port))
    tcp = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    tcp.bind(("::", port))
    tcp.listen(256)

    def udp_loop():
        while True:
            data, peer = udp.recvfrom(2048)
            udp.sendto(data + f" {host_of(peer[0])}#{peer[1]}".encode(), peer)

    def tcp_conn(conn, peer):
        tag = f" {host_of(peer[0])}#{peer[1]}\n".encode()
        buf = b""
        with conn:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    conn.sendall(line + tag)

    threading.Thread(target=udp_loop, daemon=True).start()
    print("READY", flush=True)
    while True:
        conn, peer = tcp.accept()
        threading.Thread(target=tcp_conn, args=(conn, peer), daemon=True).start()


class Flow:
    def __init__(self, proto, src, sport, sock):
        self.proto, self.src, self.sport, self.sock = proto, src, sport, sock
        self.replies, self.closed, self.error = [], None, None
        self.waiting, self.buf, self.seq = False, b"", 0


def probe(args):
    family = socket.AF_INET6 if ":" in args.target else socket.AF_INET
    sel = selectors.DefaultSelector()
    flows = []
    srcs = args.src.split(",")
    for i in range(args.udp):
        src = srcs[i % len(srcs)]
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((src, args.base_port + i))
        s.connect((args.target, args.port))
        s.setblocking(False)
        flows.append(Flow("udp", src, args.base_port + i, s))
    for i in range(args.tcp):
        src = srcs[i % len(srcs)]
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, args.base_port + 1000 + i))
        s.settimeout(10)
        s.connect((args.target, args.port))
        s.setblocking(False)
        flows.append(Flow("tcp", src, args.base_port + 1000 + i, s))
    for f in flows:
        sel.register(f.sock, selectors.EVENT_READ, f)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    print("READY", file=sys.stderr, flush=True)

    peers, peer_index = [], {}
    start = time.time()
    ms = lambda: round((time.time() - start) * 1000)
    next_send = start

    def record(f, text):
        peer = text.rsplit(" ", 1)[-1]
        if peer not in peer_index:
            peer_index[peer] = len(peers)
            peers.append(peer)
        f.replies.append([ms(), peer_index[peer]])

    while not stop and time.time() < start + args.duration:
        now = time.time()
        if now >= next_send:
            for f in flows:
                if f.closed is not None or (f.proto == "tcp" and f.waiting):
                    continue
                f.seq += 1
                msg = f"{f.sport}:{f.seq}"
                try:
                    if f.proto == "udp":
                        f.sock.send(msg.encode())
                    else:
                        f.sock.send((msg + "\n").encode())
                        f.waiting = True
                except (BlockingIOError, ConnectionRefusedError):
                    pass  # UDP: an ICMP error on the way; the next interval tries again
                except OSError as e:
                    f.closed, f.error = ms(), str(e)
            next_send += args.interval
        for key, _ in sel.select(timeout=max(0.0, min(next_send, start + args.duration) - time.time())):
            f = key.data
            try:
                data = f.sock.recv(4096)
            except (BlockingIOError, ConnectionRefusedError):
                continue
            except OSError as e:
                f.closed, f.error = ms(), str(e)
                sel.unregister(f.sock)
                continue
            if f.proto == "udp":
                record(f, data.decode())
                continue
            if not data:
                f.closed, f.error = ms(), "closed by the peer"
                sel.unregister(f.sock)
                continue
            f.buf += data
            while b"\n" in f.buf:
                line, f.buf = f.buf.split(b"\n", 1)
                record(f, line.decode())
                f.waiting = False
    duration = time.time() - start
    for f in flows:
        f.sock.close()
    out = [{"proto": f.proto, "src": f.src, "sport": f.sport, "replies": f.replies, "closed": f.closed, "error": f.error} for f in flows]
    json.dump({"start": start, "duration": duration, "peers": peers, "flows": out}, sys.stdout)
    print()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("port", type=int)
    p = sub.add_parser("probe")
    p.add_argument("--src", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--udp", type=int, default=0)
    p.add_argument("--tcp", type=int, default=0)
    p.add_argument("--base-port", type=int, default=20000)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--duration", type=float, default=20)
    args = ap.parse_args()
    if args.cmd == "serve":
        serve(args.port)
    else:
        probe(args)


if __name__ == "__main__":
    main()
