// Listing a large session table: fill nat64_sessions from userspace (as if a million UDP flows were
// live), then time `xlat nat64 session display --udp --numeric --csv` end to end (process start,
// batched reads, formatting, writing). XLAT_BENCH_SESSIONS overrides the count (default 100,000 here; the benchmark lists 1,000,000). The time is printed, never asserted.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {existsSync} from 'node:fs';
import {skipReason, cleanupAll, xlat, nsRun, createNamespace, createVeth, addAddress, uniqueName, REPO, CLI} from '../helpers/netns.mjs';

const N = Number(process.env.XLAT_BENCH_SESSIONS ?? 100_000);
const OBJ = path.join(REPO, 'build', 'bpf', 'nat64.bpf.o');
const SKIP = skipReason() ?? (existsSync(OBJ) ? null : 'build/bpf/nat64.bpf.o is missing: run `npm run build`');

// Runs inside the namespace: finds the instance's session map and fills it with N live UDP sessions.
const FILL = `
const [n] = process.argv.slice(1).map(Number);
const {discover, openMapsByName} = await import('${REPO}dist/instance/attach.js');
const {NAT64_SPEC} = await import('${REPO}dist/instance/nat64/instance.js');
const L = await import('${REPO}dist/instance/nat64/layout.js');
const found = await discover(NAT64_SPEC);
const maps = await openMapsByName(found.mapIds, [L.NAT64_MAP_SESSIONS], 'NAT64');
const m = maps.get(L.NAT64_MAP_SESSIONS);
const k = Buffer.alloc(16), v = Buffer.alloc(32);
const expires = process.hrtime.bigint() + 3600n * 1000000000n;
const t0 = Date.now();
for (let i = 0; i < n; i++) {
  const local = 0xc0000201, lport = 1024 + (i % 60000), remote = (0xc6330000 + Math.floor(i / 60000)) >>> 0;
  L.encodeSessionKey({local4: Buffer.from([local >>> 24, (local >>> 16) & 255, (local >>> 8) & 255, local & 255]), remote4: Buffer.from([remote >>> 24, (remote >>> 16) & 255, (remote >>> 8) & 255, remote & 255]), lport, rport: 53, proto: 17}, k);
  const a6 = Buffer.alloc(16); a6.writeUInt32BE(0x20010db8, 0); a6.writeUInt32BE(i, 12);
  L.encodeSession({addr6: a6, port6: 10000 + (i % 50000), state: 3, expires}, v);
  m.update(k, v);
}
console.log(JSON.stringify({filled: n, ms: Date.now() - t0}));
maps.close();
`;

describe(`NAT64 session listing (${N} sessions)`, {skip: SKIP ?? false}, () => {
  let ns;
  before(async () => {
    ns = await createNamespace(uniqueName('big'));
    const peer = await createNamespace(uniqueName('bigp'));
    await createVeth(ns, 'eth0', peer, 'eth0');
    await addAddress(ns, 'eth0', '192.0.2.1/24');
  });
  after(cleanupAll);

  it('lists them in seconds', async () => {
    const add = await xlat(ns, ['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96', '--capacity', String(N + 1000)], {timeout: 120_000});
    assert.equal(add.code, 0, add.stderr);
    const fill = await nsRun(ns, process.execPath, ['--input-type=module', '-e', FILL, String(N)], {timeout: 600_000});
    assert.equal(fill.code, 0, fill.stdout + fill.stderr);
    const t0 = process.hrtime.bigint();
    const r = await nsRun(ns, 'sh', ['-c', `${process.execPath} ${CLI} nat64 session display --udp --numeric --csv > /dev/null`], {timeout: 600_000});
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.equal(r.code, 0, r.stderr);
    const lines = await nsRun(ns, 'sh', ['-c', `${process.execPath} ${CLI} nat64 session display --udp --numeric --csv --no-headers | wc -l`], {timeout: 600_000});
    assert.equal(Number(lines.stdout.trim()), N, 'every session listed once');
    console.log(`# listing ${N} sessions (--numeric --csv > /dev/null): ${seconds.toFixed(2)} s; fill: ${fill.stdout.trim()}`);
  });
});
