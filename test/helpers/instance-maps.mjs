// Looks at (or tampers with) the maps of the instance attached in the current network namespace, below the CLI:
// run it inside the namespace (ip netns exec NS node test/helpers/instance-maps.mjs ...). Needs root and dist/.
//
//   instance-maps.mjs dump siit|nat64              every entry of every map but the per-CPU counters and the
//                                                  queues (no keys; the data plane's own), as JSON
//                                                  {map name: {key hex: value hex}} (what a command could change)
//   instance-maps.mjs count nat64 [T]              entries of the NAT64 state tables, how many of them have
//                                                  expired (not deleted yet: expiry is lazy) and how many had
//                                                  expired by T (CLOCK_MONOTONIC ns), as JSON
//                                                  {map name: {entries, expired, expiredBy}}
//   instance-maps.mjs set-layout siit|nat64 N      writes N as the config's layout version (its first 4 bytes),
//                                                  as if another xlat had made the instance
import {fileURLToPath} from 'node:url';

const dist = (p) => new URL(`../../dist/${p}`, import.meta.url);
const [op, kind, arg] = process.argv.slice(2);
const {discover} = await import(dist('instance/attach.js'));
const {BpfMap} = await import(dist('bpf/map.js'));
const spec = kind === 'siit' ? (await import(dist('instance/siit/instance.js'))).SIIT_SPEC : (await import(dist('instance/nat64/instance.js'))).NAT64_SPEC;

const found = await discover(spec);
if (!found) {
  console.error(`no ${kind} instance in this namespace`);
  process.exit(1);
}
const maps = [];
for (const id of found.mapIds) maps.push(await BpfMap.fromId(id));
try {
  if (op === 'dump') {
    const out = {};
    for (const m of maps.filter((m) => !m.isPerCpu && m.keySize > 0).sort((a, b) => a.name.localeCompare(b.name))) {
      const entries = {};
      for (const k of [...m.keys()]) entries[k.toString('hex')] = m.lookup(k)?.toString('hex') ?? null;
      out[m.name] = entries;
    }
    console.log(JSON.stringify(out));
  } else if (op === 'count') {
    const L = await import(dist('instance/nat64/layout.js'));
    const expiresAt = {nat64_sessions: L.NAT64_SESSION.expires.offset, nat64_bib4: L.NAT64_BIB4_VALUE.expires.offset, nat64_bib6: L.NAT64_BIB6_VALUE.expires.offset};
    const now = process.hrtime.bigint(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
    const by = arg === undefined ? now : BigInt(arg);
    const out = {};
    for (const m of maps.filter((m) => m.name in expiresAt)) {
      let entries = 0;
      let expired = 0;
      let expiredBy = 0;
      for (const {count, values} of m.batches()) {
        entries += count;
        for (let i = 0; i < count; i++) {
          const t = values.readBigUInt64LE(i * m.valueSize + expiresAt[m.name]);
          if (t < now) expired++;
          if (t < by) expiredBy++;
        }
      }
      out[m.name] = {entries, expired, expiredBy};
    }
    console.log(JSON.stringify(out));
  } else if (op === 'set-layout') {
    const config = maps.find((m) => m.name === `${kind}_config`);
    const key = Buffer.alloc(4);
    const value = config.lookup(key);
    value.writeUInt32LE(Number(arg), 0);
    config.update(key, value);
  } else {
    console.error(`usage: ${fileURLToPath(import.meta.url)} dump|count|set-layout siit|nat64 [N]`);
    process.exit(2);
  }
} finally {
  for (const m of maps) m.close();
}
