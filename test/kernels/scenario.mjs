// The kernel suite's scenario, run inside a guest of scripts/kernel-vm.sh (or on this machine's own kernel). Two labs
// n6 -- j -- n4 (test/helpers/topology.mjs); in each, a SIIT and a NAT64 instance on j's two interfaces, added through
// the CLI as an operator adds them: in one lab SIIT on XDP and NAT64 on tc, in the other the other way round. So the
// kernel under test loads all four programs (an instance add loads its translator's XDP and tc programs), attaches
// each, and pings cross each translator on each hook (n6 and n4 reach each other only through a translator: SIIT at
// pool6 2001:db8:100::/40, NAT64 at 64:ff9b::/96, with j's own 198.51.100.1 as pool4).
//
// It asserts nothing itself: it prints one line, `XLAT-KERNEL-SCENARIO <json>`, for the host's test to judge; an
// instance add that fails is reported with the CLI's own one-line error (where the verifier's reason is). Under an
// emulated CPU each CLI run takes seconds: the scenario runs as few as it can (two labs rather than removing and
// adding again; attachments read with ip and tc). Its namespaces are removed at the end, also on failure.
//
//   node test/kernels/scenario.mjs
import {execFileSync} from 'node:child_process';
import {cleanupAll, xlat, nsRun, addRoute, run} from '../helpers/netns.mjs';
import {createSiitLab, ADDR, POOL6} from '../helpers/topology.mjs';

export const MARK = 'XLAT-KERNEL-SCENARIO';
const NAT64_POOL6 = '64:ff9b::/96';
const N4_VIA_NAT64 = '64:ff9b::198.51.100.2';
/** [the translator given XDP, the one given tc] of each lab. */
export const ARRANGEMENTS = [
  ['siit', 'nat64'],
  ['nat64', 'siit'],
];
export const IFACES = [ADDR.j.iface6, ADDR.j.iface4];
/** The pings of each lab: [name, namespace role, family, destination]; each is 3 echo requests. */
export const PINGS = [
  ['siit 6->4', 'n6', '-6', ADDR.n4As6],
  ['siit 4->6', 'n4', '-4', ADDR.n6As4],
  ['nat64 6->4', 'n6', '-6', N4_VIA_NAT64],
];

const firstLine = (r) => `${r.timedOut ? 'timed out: ' : ''}${(r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? ''}`;
const since = (t) => Math.round((Date.now() - t) / 100) / 10;

/** The programs attached to an interface of namespace ns: {xdp: name or null, tc: [names of ingress filters]}. */
async function attached(ns, iface) {
  const link = await run('ip', ['-n', ns, '-d', '-j', 'link', 'show', 'dev', iface]);
  const filters = await run('tc', ['-n', ns, '-j', 'filter', 'show', 'dev', iface, 'ingress']);
  const xdp = link.code === 0 ? (JSON.parse(link.stdout)[0]?.xdp?.prog?.name ?? null) : `ip: ${firstLine(link)}`;
  const tc = filters.code === 0 ? JSON.parse(filters.stdout || '[]').map((f) => f.options?.prog?.name).filter(Boolean) : [`tc: ${firstLine(filters)}`];
  return {xdp, tc};
}

async function ping(ns, family, dst) {
  const r = await nsRun(ns, 'ping', [family, '-n', '-c', '3', '-i', '0.3', '-W', '3', dst], {timeout: 60_000});
  return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
}

/** One lab's arrangement: {xdp, tc, added: {mode: 'ok' | the error line}, attached: {iface: ...}, pings: {name: received}}. */
async function arrangement(lab, onXdp, onTc, seconds) {
  const out = {xdp: onXdp, tc: onTc, added: {}, attached: {}, pings: {}};
  for (const [mode, hook] of [
    [onXdp, 'xdp'],
    [onTc, 'tc'],
  ]) {
    const t = Date.now();
    const pool6 = mode === 'siit' ? POOL6 : NAT64_POOL6;
    const r = await xlat(lab.j, [mode, 'instance', 'add', '--pool6', pool6, '--hook', hook, ...IFACES.flatMap((i) => ['--iface', i])], {timeout: 600_000});
    seconds[`${mode} instance add --hook ${hook}`] = since(t);
    out.added[mode] = r.code === 0 ? 'ok' : firstLine(r);
  }
  for (const i of IFACES) out.attached[i] = await attached(lab.j, i);
  const t = Date.now();
  for (const [name, role, family, dst] of PINGS) out.pings[name] = await ping(lab[role], family, dst);
  seconds[`pings (${onXdp} on xdp)`] = since(t);
  return out;
}

const result = {kernel: execFileSync('uname', ['-r'], {encoding: 'utf8'}).trim(), arrangements: [], seconds: {}};
const start = Date.now();
const labs = [];
try {
  let t = Date.now();
  for (const lab of await Promise.all(ARRANGEMENTS.map(() => createSiitLab()))) {
    labs.push(lab);
    await addRoute(lab.n6, NAT64_POOL6, ADDR.j.addr6);
  }
  result.seconds.labs = since(t);
  for (const [i, [onXdp, onTc]] of ARRANGEMENTS.entries()) result.arrangements.push(await arrangement(labs[i], onXdp, onTc, result.seconds));
} catch (err) {
  result.error = String(err?.message ?? err).split('\n')[0];
} finally {
  for (const lab of labs) await lab.destroy();
  await cleanupAll();
}
result.seconds.total = since(start);
console.log(`${MARK} ${JSON.stringify(result)}`);
