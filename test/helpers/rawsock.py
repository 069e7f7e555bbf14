#!/usr/bin/env python3
"""Raw IP packets on one interface through an AF_PACKET socket (standard library only; needs root or CAP_NET_RAW).

Used by the RFC 7915 conformance runner (test/conformance/rfc7915.test.mjs). Run it inside the namespace that
owns the interface (`ip netns exec NS python3 rawsock.py ...`). Packets are given and printed as hex strings of
the IP packet (no link layer); the Ethernet header is added on send and removed on capture.

  rawsock.py send IFACE DSTMAC HEX [HEX...]
        write each IP packet on IFACE inside an Ethernet frame: destination DSTMAC (the next hop's MAC, e.g.
        the translator's interface on that link), source IFACE's own MAC, ethertype from the IP version.
  rawsock.py capture IFACE SECONDS [--max N]
        collect the IP packets IFACE receives during SECONDS (or until N of them), one JSON line each:
        {"hex": "...", "t": seconds since start}. Ignored: frames IFACE sends itself, non-IP (ARP, ...),
        IPv6 neighbour discovery and MLD, IGMP.
  rawsock.py serve IFACE
        both, driven by JSON lines on stdin, one JSON reply line each (fast: one process for a whole run).
        Prints {"ready": true, "iface": ..., "mac": ...} once the socket is bound, then accepts:
          {"op": "arm"}                                  forget what was captured, start keeping packets
          {"op": "send", "dst": MAC, "packets": [HEX]}   -> {"ok": true, "sent": N}
          {"op": "peek"}                                 -> {"ok": true, "packets": [{"hex", "t"}]} kept so far
          {"op": "collect"}                              -> the same, then stop keeping (until the next arm)
          {"op": "quit"}                                 (end of stdin does the same)
        Errors are replied as {"ok": false, "error": "..."}; the process keeps serving.
"""
import json
import select
import socket
import struct
import sys
import threading
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
# IPv6 extension headers that may precede ICMPv6 (hop-by-hop, routing, destination options).
EXT_HEADERS = (0, 43, 60)
# ICMPv6 types that are address resolution or multicast listener traffic: MLD 130-132, 143; ND 133-137.
ND_MLD_TYPES = {130, 131, 132, 133, 134, 135, 136, 137, 143}


def parse_mac(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(f"bad MAC address {text!r}")
    return bytes(int(p, 16) for p in parts)


def open_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((iface, ETH_P_ALL))
    mac = s.getsockname()[4]
    return s, mac


def frame(ip_packet, dst_mac, src_mac):
    if not ip_packet:
        raise ValueError("empty packet")
    version = ip_packet[0] >> 4
    if version == 4:
        ethertype = ETH_P_IP
    elif version == 6:
        ethertype = ETH_P_IPV6
    else:
        raise ValueError(f"not an IP packet (version {version})")
    return dst_mac + src_mac + struct.pack("!H", ethertype) + ip_packet


def is_noise(ethertype, ip):
    """True for what the runner never wants to see: ND, MLD, IGMP (ARP and other non-IP are dropped earlier)."""
    if ethertype == ETH_P_IP:
        return len(ip) >= 20 and ip[9] == 2  # IGMP
    # IPv6: walk hop-by-hop/routing/destination-options headers to find ICMPv6
    if len(ip) < 40:
        return False
    nh, off = ip[6], 40
    while nh in EXT_HEADERS and off + 2 <= len(ip):
        nh, off = ip[off], off + (ip[off + 1] + 1) * 8
    return nh == 58 and off < len(ip) and ip[off] in ND_MLD_TYPES


def receive(s, timeout):
    """One received IP packet (bytes) or None when nothing arrives within timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return None
        data, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(data) < 14:
            continue
        ethertype = struct.unpack("!H", data[12:14])[0]
        if ethertype not in (ETH_P_IP, ETH_P_IPV6):
            continue
        ip = data[14:]
        if is_noise(ethertype, ip):
            continue
        return ip


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def cmd_send(iface, dst, hexes):
    s, mac = open_socket(iface)
    dst_mac = parse_mac(dst)
    for h in hexes:
        s.send(frame(bytes.fromhex(h), dst_mac, mac))
    emit({"ok": True, "sent": len(hexes)})


def cmd_capture(iface, seconds, max_packets):
    s, _ = open_socket(iface)
    start = time.monotonic()
    n = 0
    while max_packets is None or n < max_packets:
        left = seconds - (time.monotonic() - start)
        ip = receive(s, left)
        if ip is None:
            break
        emit({"hex": ip.hex(), "t": round(time.monotonic() - start, 6)})
        n += 1


class Server:
    def __init__(self, iface):
        self.sock, self.mac = open_socket(iface)
        self.iface = iface
        self.lock = threading.Lock()
        self.armed = False
        self.armed_at = 0.0
        self.kept = []
        self.stop = False

    def reader(self):
        while not self.stop:
            ip = receive(self.sock, 0.2)
            if ip is None:
                continue
            with self.lock:
                if self.armed:
                    self.kept.append({"hex": ip.hex(), "t": round(time.monotonic() - self.armed_at, 6)})

    def handle(self, req):
        op = req.get("op")
        if op == "arm":
            with self.lock:
                self.kept = []
                self.armed = True
                self.armed_at = time.monotonic()
            return {"ok": True}
        if op == "send":
            dst_mac = parse_mac(req["dst"])
            frames = [frame(bytes.fromhex(h), dst_mac, self.mac) for h in req["packets"]]
            for f in frames:
                self.sock.send(f)
            return {"ok": True, "sent": len(frames)}
        if op == "peek":
            with self.lock:
                return {"ok": True, "packets": list(self.kept)}
        if op == "collect":
            with self.lock:
                kept, self.kept, self.armed = self.kept, [], False
            return {"ok": True, "packets": kept}
        raise ValueError(f"unknown op {op!r}")

    def serve(self):
        t = threading.Thread(target=self.reader, daemon=True)
        t.start()
        emit({"ready": True, "iface": self.iface, "mac": ":".join(f"{b:02x}" for b in self.mac)})
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
                if req.get("op") == "quit":
                    break
                reply = self.handle(req)
            except Exception as e:  # report and keep serving
                reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
            emit(reply)
        self.stop = True


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def main(argv):
    if len(argv) < 2:
        usage()
    verb, args = argv[1], argv[2:]
    if verb == "send" and len(args) >= 3:
        cmd_send(args[0], args[1], args[2:])
    elif verb == "capture" and len(args) in (2, 4):
        max_packets = None
        if len(args) == 4:
            if args[2] != "--max":
                usage()
            max_packets = int(args[3])
        cmd_capture(args[0], float(args[1]), max_packets)
    elif verb == "serve" and len(args) == 1:
        Server(args[0]).serve()
    else:
        usage()


if __name__ == "__main__":
    main(sys.argv)
