// RFC 6146 3.5.2.2's 6 seconds for an IPv4 SYN without a BIB entry, on the kernel this runs on (a guest of
// scripts/kernel-vm.sh, or this machine): the NAT64's delay line (src/instance/nat64/syn-delay.ts) needs sch_netem, which
// some kernels lack. In the lab n6 -- j (NAT64, pool6 64:ff9b::/96, pool4 198.51.100.1 TCP 61001-65535) -- n4:
//   1. n4 sends one SYN (a raw socket: no retransmission) to 198.51.100.1#61234, where nobody is mapped: with the
//      delay line, ICMP port unreachable comes back about 6 s later, and only then; without, none ever comes.
//   2. n4 sends one SYN to 198.51.100.1#61235 and n6, within the 6 s, opens a connection to n4's port it came from
//      (a simultaneous open): the IPv6 SYN takes that pool4 port, the two meet, and no port unreachable follows.
// It asserts nothing itself: it prints `XLAT-HELD-SYN <json>` for test/kernels/kernels.test.mjs to judge. Its
// namespaces are removed at the end, also on failure.
//
//   node test/kernels/held-syn.mjs
import {execFileSync} from 'node:child_process';
import {cleanupAll, xlat, nsRun, nsBackground, addRoute, run} from '../helpers/netns.mjs';
import {createSiitLab, ADDR} from '../helpers/topology.mjs';

export const MARK = 'XLAT-HELD-SYN';
const POOL4 = ADDR.j.addr4;

/** python3 -c SYN_PROBE SRC DST SPORT DPORT WAIT: one SYN, then every ICMP port unreachable about it within WAIT s. */
const SYN_PROBE = `import socket, struct, sys, time, json
src, dst, sport, dport, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
def csum(b):
    if len(b) % 2: b += b'\\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
tcp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
hdr = struct.pack('!HHIIBBHHH', sport, dport, 12345, 0, 5 << 4, 0x02, 64240, 0, 0)
pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(hdr))
hdr = hdr[:16] + struct.pack('!H', csum(pseudo + hdr)) + hdr[18:]
t0 = time.monotonic()
tcp.sendto(hdr, (dst, 0))
print(json.dumps({'READY': True}), flush=True)
seen = []
while time.monotonic() - t0 < wait:
    icmp.settimeout(max(0.01, wait - (time.monotonic() - t0)))
    try:
        pkt, _ = icmp.recvfrom(2048)
    except socket.timeout:
        break
    ihl = (pkt[0] & 15) * 4
    t, c = pkt[ihl], pkt[ihl + 1]
    inner = pkt[ihl + 8:]
    if len(inner) < 24: continue
    iihl = (inner[0] & 15) * 4
    isport, idport = struct.unpack('!HH', inner[iihl:iihl + 4])
    if (t, c, isport, idport) == (3, 3, sport, dport):
        seen.append(round((time.monotonic() - t0) * 1000))
print(json.dumps({'unreachable_ms': seen}), flush=True)`;

/** python3 -c CONNECT HOST PORT: one TCP connection attempt from n6 (refused by n4's kernel: no listener). */
const CONNECT = `import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(3)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print('connected')
except OSError as e:
    print(type(e).__name__)`;

const lastJson = (text) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .at(-1);

async function stats(lab) {
  const r = await xlat(lab.j, ['nat64', 'stats', 'display', '--json'], {timeout: 120_000});
  return r.code === 0 ? JSON.parse(r.stdout).result.stats : {};
}

const result = {kernel: execFileSync('uname', ['-r'], {encoding: 'utf8'}).trim()};
let lab;
try {
  lab = await createSiitLab();
  await addRoute(lab.n6, '64:ff9b::/96', lab.addr.j.addr6);
  const add = await xlat(lab.j, ['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96', '--verbose'], {timeout: 600_000});
  result.add = add.code === 0 ? 'ok' : add.stderr.trim().split('\n')[0];
  result.addNotes = add.stderr.trim().split('\n').filter((l) => /held IPv4 SYNs/.test(l));
  const pool4 = await xlat(lab.j, ['nat64', 'pool4', 'add', '--tcp', POOL4, '61001-65535'], {timeout: 120_000});
  result.pool4 = pool4.code === 0 ? 'ok' : pool4.stderr.trim().split('\n')[0];
  const q = await run('tc', ['-n', lab.j, 'qdisc', 'show', 'dev', 'xlat-syn0']);
  result.delayLine = q.code === 0 && /netem/.test(q.stdout) ? q.stdout.trim().split('\n')[0] : null;
  const before = await stats(lab);

  // 1. Nobody answers: port unreachable after the 6 s, from the delay line, without any retransmission.
  const lone = await nsRun(lab.n4, 'python3', ['-c', SYN_PROBE, ADDR.n4.addr4, POOL4, '40123', '61234', '10'], {timeout: 60_000});
  result.lone = lastJson(lone.stdout) ?? {error: lone.stderr.trim().split('\n').at(-1)};

  // 2. The IPv6 side opens within the 6 s: the SYNs meet, and nothing is sent back.
  const probe = nsBackground(lab.n4, 'python3', ['-c', SYN_PROBE, ADDR.n4.addr4, POOL4, '40124', '61235', '10'], {timeout: 60_000});
  await probe.ready;
  const c = await nsRun(lab.n6, 'python3', ['-c', CONNECT, `64:ff9b::${ADDR.n4.addr4}`, '40124'], {timeout: 30_000});
  result.connect = c.stdout.trim();
  const r = await probe.exited;
  result.met = lastJson(r.stdout) ?? {error: r.stderr.trim().split('\n').at(-1)};
  const bib = await xlat(lab.j, ['nat64', 'bib', 'display', '--tcp', '--json'], {timeout: 120_000});
  result.metBib = bib.code === 0 ? JSON.parse(bib.stdout).result.bib.map((b) => b['ipv4-address']) : [];
  const after = await stats(lab);
  for (const k of ['tcp-syn-held', 'tcp-syn-unreachable'])
    result[k] = Number(after[k] ?? 0) - Number(before[k] ?? 0);
  const rm = await xlat(lab.j, ['nat64', 'instance', 'remove'], {timeout: 120_000});
  result.remove = rm.code === 0 ? 'ok' : rm.stderr.trim().split('\n')[0];
  const left = await run('ip', ['-n', lab.j, '-o', 'link', 'show']);
  result.leftAfterRemove = left.stdout.split('\n').filter((l) => /xlat-syn/.test(l)).length;
} catch (err) {
  result.error = String(err?.message ?? err).split('\n')[0];
} finally {
  await lab?.destroy();
  await cleanupAll();
}
console.log(`${MARK} ${JSON.stringify(result)}`);
