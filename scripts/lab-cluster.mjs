#!/usr/bin/env node
// Several translators behind ECMP, routed by FRR (`npm run lab:cluster`, which runs setup and the build first).
// Builds the lab of scripts/cluster/lab.mjs (IPv6 clients, an upstream router, three nodes running FRR + xlat
// NAT64 + xlat SIIT, IPv4 servers), runs long-lived flows through it, makes one node fail, prints the figures
// and removes everything.
//
//   scripts/lab-cluster.mjs [--failure freeze|kill] [--node K] [--keep]
//       --failure freeze (default): node K hangs (its packets dropped, its FRR stopped): BFD has to notice
//       --failure kill: node K is gone (its FRR killed, its namespace deleted): the router's link to it goes down
//       --node K: which node fails (1-3, default 2)
//       --keep: leave the lab up afterwards (namespaces xlat-cl-*), to look around
//   scripts/lab-cluster.mjs --down       remove every kept cluster lab
import {parseArgs} from 'node:util';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {REPO, deleteNamespace, run, skipReason, uniqueName} from '../test/helpers/netns.mjs';
import {frrMissing, vtysh} from './cluster/frr.mjs';
import {NAT64, SIIT, buildCluster, destroyCluster, ecmpOrder, frrBase, nodeCommands, waitConverged} from './cluster/lab.mjs';
import {runFailover} from './cluster/failover.mjs';
import {describe} from './cluster/measure.mjs';

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s) => console.log(`\n${bold(`== ${s}`)}`);
const say = (s) => console.log(`  ${s}`);

function fail(message, code = 1) {
  console.error(`Error: ${message}`);
  process.exit(code);
}

let opts;
try {
  opts = parseArgs({
    options: {
      failure: {type: 'string', default: 'freeze'},
      node: {type: 'string', default: '2'},
      keep: {type: 'boolean', default: false},
      down: {type: 'boolean', default: false},
      help: {type: 'boolean', short: 'h', default: false},
    },
  }).values;
} catch (err) {
  fail(`${err.message} (try --help)`, 2);
}
if (opts.help) {
  const lines = readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .slice(1);
  const header = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('//')),
  );
  console.log(header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
if (!['freeze', 'kill'].includes(opts.failure)) fail('--failure must be freeze or kill', 2);
const dead = Number(opts.node);
if (![1, 2, 3].includes(dead)) fail('--node must be 1, 2 or 3', 2);

async function down() {
  const list = await run('ip', ['netns', 'list']);
  const names = list.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith('xlat-cl-'));
  for (const ns of names) {
    await deleteNamespace(ns); // kills whatever runs inside: the FRR daemons too
    console.log(`removed namespace ${ns}`);
  }
  for (const prefix of new Set(names.map((n) => n.replace(/-[a-z0-9]+$/, '')))) {
    rmSync(frrBase(prefix), {recursive: true, force: true});
    console.log(`removed ${frrBase(prefix)}`);
  }
  if (names.length === 0) console.log('no cluster lab namespaces (xlat-cl-*) to remove');
}

if (opts.down) {
  if (process.getuid?.() !== 0) fail('removing namespaces needs root (sudo)');
  await down();
  process.exit(0);
}
const why = skipReason() ?? frrMissing();
if (why) fail(why.replace(/^needs root.*/, 'the lab creates network namespaces, loads BPF programs and runs FRR: run it as root (sudo)'));

let lab;
let ok = false;
try {
  step('building the lab: clients -- router -- 3 translator nodes -- servers');
  lab = await buildCluster({prefix: uniqueName('lab', 'xlat-cl').replace(/-lab$/, ''), register: !opts.keep, say});
  step('BGP: each node advertises the shared prefixes and the pool4 addresses it owns; the router installs them');
  say(`converged ${(await waitConverged(lab)).toFixed(1)} s after the daemons started`);
  const routes = await run('ip', ['-n', lab.router, 'route', 'show', 'proto', 'bgp']);
  const routes6 = await run('ip', ['-n', lab.router, '-6', 'route', 'show', 'proto', 'bgp']);
  console.log(`${routes.stdout}${routes6.stdout}`.replace(/^/gm, '    '));
  console.log((await vtysh(lab.frrDir(lab.router), ['show bfd peers brief'])).replace(/^/gm, '    '));
  for (const n of lab.nodes) {
    const own = await run('ip', ['-n', n, '-4', 'route', 'show', 'root', NAT64.pool4]);
    say(`${n}'s routes for pool4 (blackhole: its own unless a more specific route leads to another node): ${own.stdout.trim().replace(/\n/g, '; ')}`);
  }
  const order = await ecmpOrder(lab, NAT64.pool6);
  say(
    `the multipath group of ${NAT64.pool6}, in hash order: ${order.map((k) => `n${k}`).join(' ')} (node ${dead} is ${order.indexOf(dead) === 1 ? 'the middle member: no flow of the others moves' : "an end member: a share of the others' flows moves"})`,
  );

  step(`flows through the translators; node ${dead} fails about 5 s in (${opts.failure})`);
  const fig = await runFailover(lab, {dead, failure: opts.failure, say});

  step('figures');
  for (const name of ['nat64', 'siit']) for (const line of describe(name.toUpperCase(), fig[name].summary, {dead})) say(line);
  say(`router: node ${dead} out of the kernel's route ${fig.withdrawS.toFixed(2)} s after the failure`);
  say('a single translator in their place: every flow would have stopped until it came back');
  ok = true;
} catch (err) {
  console.error(`lab: ${err.stack ?? err}`);
  if (lab) {
    for (const ns of [lab.router, ...lab.nodes]) {
      const log = path.join(lab.frrDir(ns), 'bgpd.log');
      if (existsSync(log)) console.error(`--- ${log} (last lines)\n${readFileSync(log, 'utf8').split('\n').slice(-8).join('\n')}`);
    }
  }
} finally {
  if (opts.keep && ok && lab) {
    await lab.server.stop();
    console.log(`\nThe lab stays up (FRR directories in ${lab.dir}). Try:`);
    console.log(`  sudo vtysh --vty_socket ${lab.frrDir(lab.router)} -c 'show bgp summary'`);
    console.log(`  sudo ip -n ${lab.router} -6 route show ${NAT64.pool6}`);
    console.log(`  sudo ip netns exec ${lab.clients} ping -6 -I ${NAT64.clients[0]} ${NAT64.target}     (NAT64)`);
    console.log(`  sudo ip netns exec ${lab.clients} ping -6 -I ${SIIT.client} ${SIIT.target}   (SIIT)`);
    console.log(`  sudo ip netns exec ${lab.nodes[0]} xlat nat64 session display --numeric`);
    console.log(
      `  what node 1 was given (the others the same, with tc): ${nodeCommands(1)
        .map((c) => `xlat ${c.join(' ')}`)
        .join('; ')}`,
    );
    console.log(`Remove it with:\n  sudo ${path.relative(process.cwd(), path.join(REPO, 'scripts', 'lab-cluster.mjs')) || 'scripts/lab-cluster.mjs'} --down`);
  } else if (lab) {
    await destroyCluster(lab);
    console.log(`\nlab: removed ${[lab.router, lab.clients, lab.servers, ...lab.nodes].join(' ')}`);
  }
}
process.exit(ok ? 0 : 1);
