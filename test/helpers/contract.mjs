// The CLI contract (issue 15), table-driven, shared by test/e2e/cli-contract-*.test.mjs: every command, with the
// global flags (-n, --json) before the mode, between the words and at the end, with standard input piped and
// not; each run's exit code and JSON checked against the documented contract (schema/output.schema.json, the
// README's exit codes). The table must name every command of the manifest: a new command without a row fails.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import {cleanupAll, run, createNamespace, uniqueName, ipIn, CLI, REPO} from './netns.mjs';

const schema = JSON.parse(readFileSync(path.join(REPO, 'schema', 'output.schema.json'), 'utf8'));
const validate = new Ajv2020({allErrors: true, strict: false}).compile(schema);
export const manifest = JSON.parse(readFileSync(path.join(REPO, 'oclif.manifest.json'), 'utf8'));

export const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

/** Where -n NS and --json go: before the mode, between the words, at the end. */
export const POSITIONS = {
  front: (words, args, g) => [...g, ...words, ...args],
  // A one-word command has no "between": its flags go right after it, before the arguments.
  between: (words, args, g) => (words.length === 1 ? [words[0], ...g, ...args] : [words[0], g[2], ...words.slice(1, -1), g[0], g[1], words.at(-1), ...args]),
  end: (words, args, g) => [...words, ...args, ...g],
};

/**
 * Each row: a command, its steps [arguments, exit code, another command (to set up or restore)], and how many
 * leading steps form the group that runs with the flags in every position and stdin piped and not (a change
 * and its undoing); the other steps then run once each, rotating through positions and stdin modes. A row
 * leaves the state as it found it.
 */
export function table(tmp, ns) {
  // tmp null: only the rows are wanted (their names), no file is written.
  const f = (name, doc) => {
    if (tmp === null) return name;
    const p = path.join(tmp, name);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };
  const siitFile = f('siit.json', {global: {pool6: '64:ff9b::/96'}, interfaces: ['d0']});
  const badFile = f('bad.json', {global: {tos: 999}});
  const nat64File = f('nat64.json', {global: {pool6: '64:ff9b::/96'}, pool4: [{protocol: 'TCP', prefix: '192.0.2.1', 'port range': '62000-62100'}], interfaces: ['d0']});
  const SIIT_ADD = ['--iface', 'd0', '--pool6', '64:ff9b::/96'];
  const DENY = ['198.51.100.0/24'];
  const NAT64_ADD = ['--iface', 'd0', '--pool6', '64:ff9b::/96'];
  const EAM = ['2001:db8:9::/120', '10.9.0.0/24'];
  const POOL = ['192.0.2.1', '62000-62010', '--tcp'];
  // A deterministic entry (RFC 7422): 16 subscribers of /124, 1024 ports each, on 198.18.0.0/31.
  const DET = ['198.18.0.0/31', '--deterministic', '2001:db8:77::/120', '--subscriber-length', '124', '--block-size', '1024'];
  // A dynamic entry: 256 subscribers of /128 share 4 blocks of 256 ports of 198.18.0.4.
  const DYN = ['198.18.0.4', '20000-21023', '--dynamic', '2001:db8:78::/120', '--subscriber-length', '128', '--block-size', '256'];
  const BIB = ['192.0.2.1#62005', '2001:db8::5#80', '--tcp'];
  return [
    ['config schema', [[[], 0], [['--output'], 0]]],
    ['siit instance status', [[[], 0]]],
    ['siit instance display', [[[], 0], [['--all-namespaces'], 0]]],
    ['siit instance remove', [[[], 0], [SIIT_ADD, 0, 'siit instance add'], [[], 0], [[], 3], [['--if-exists'], 0], [SIIT_ADD, 0, 'siit instance add']], 2],
    ['siit instance add', [[SIIT_ADD, 4], [['--pool6', 'bogus'], 2]]],
    ['siit instance attach', [[['p0'], 0], [['p0'], 0, 'siit instance detach'], [['d0'], 4], [['nosuch0'], 2]], 2],
    ['siit instance detach', [[['p0'], 3], [['d0'], 2]]],
    ['siit instance upgrade', [[[], 0]]],
    ['siit global display', [[[], 0]]],
    ['siit global update', [[['tos', '5'], 0], [['tos', '300'], 2], [['override-tos', 'on'], 0], [['override-tos', 'off'], 0], [['tos', '0'], 0]]],
    ['siit stats display', [[[], 0], [['--all', '--explain'], 0]]],
    ['siit eamt add', [[EAM, 0], [[EAM[1]], 0, 'siit eamt remove'], [EAM, 0], [[...EAM].reverse(), 4], [[EAM[0]], 2], [[EAM[1]], 0, 'siit eamt remove']], 2],
    ['siit eamt display', [[[], 0]]],
    ['siit eamt remove', [[[EAM[1]], 3], [EAM, 0, 'siit eamt add'], [[EAM[1]], 0]]],
    ['siit eamt flush', [[[], 0]]],
    ['siit denylist4 add', [[DENY, 0], [DENY, 0, 'siit denylist4 remove'], [DENY, 0], [DENY, 4], [['198.51.100.1/24'], 2], [DENY, 0, 'siit denylist4 remove']], 2],
    ['siit denylist4 display', [[[], 0]]],
    ['siit denylist4 remove', [[DENY, 3], [DENY, 0, 'siit denylist4 add'], [DENY, 0]]],
    ['siit denylist4 flush', [[[], 0]]],
    ['siit address query', [[['192.0.2.7'], 0], [['192.0.2.0/24'], 2]]],
    ['siit pool6 display', [[[], 0], [['--count'], 0]]],
    ['siit file handle', [[[siitFile], 0], [[siitFile, '--check', '--diff'], 0], [[badFile], 2]]],
    ['siit file export', [[[], 0]]],
    ['nat64 instance status', [[[], 0]]],
    ['nat64 instance display', [[[], 0]]],
    ['nat64 instance remove', [[[], 0], [NAT64_ADD, 0, 'nat64 instance add'], [[], 0], [[], 3], [NAT64_ADD, 0, 'nat64 instance add']], 2],
    ['nat64 instance add', [[NAT64_ADD, 4], [['--capacity', '0'], 2]]],
    ['nat64 instance attach', [[['p0', '--hook', 'tc'], 0], [['p0'], 0, 'nat64 instance detach'], [['d0'], 4]], 2],
    ['nat64 instance detach', [[['p0'], 3], [['d0'], 2]]],
    ['nat64 instance upgrade', [[[], 0]]],
    ['nat64 global display', [[[], 0], [['--no-headers'], 0]]],
    ['nat64 global update', [[['icmp-timeout', '0:00:30'], 0], [['icmp-timeout', '0'], 2], [['drop-icmpv6-info', 'yes'], 0], [['drop-icmpv6-info', 'no'], 0]]],
    ['nat64 stats display', [[[], 0], [['--all', '--explain'], 0]]],
    ['nat64 pool4 add', [[POOL, 0], [['192.0.2.1'], 2]]],
    ['nat64 pool4 display', [[[], 0], [['--udp'], 0], [['--deterministic'], 0], [['--deterministic', '--tcp'], 2]]],
    ['nat64 lookup', [[['192.0.2.1#1030'], 3], [['192.0.2.1'], 2], [DET, 0, 'nat64 pool4 add'], [['198.18.0.0#1030'], 0], [['2001:db8:77::15'], 0], [DET, 0, 'nat64 pool4 add'], [['--deterministic', '198.18.0.0/31'], 0, 'nat64 pool4 remove'], [['--deterministic', '198.18.0.0/31'], 3, 'nat64 pool4 remove']]],
    ['nat64 bib add', [[BIB, 0], [[BIB[0], '--tcp'], 0, 'nat64 bib remove'], [BIB, 0], [[BIB[1], BIB[0], '--tcp'], 4], [[BIB[0]], 2], [[BIB[0], '--tcp'], 0, 'nat64 bib remove']], 2],
    ['nat64 bib display', [[[], 0], [['--icmp'], 0]]],
    ['nat64 bib remove', [[[BIB[0], '--tcp'], 3], [BIB, 0, 'nat64 bib add'], [[BIB[0], '--tcp'], 0]]],
    ['nat64 session display', [[['--numeric'], 0], [['--udp', '--numeric'], 0]]],
    ['nat64 log follow', [[['--drain'], 0], [['--drain', '--format', 'syslog'], 0], [DYN, 0, 'nat64 pool4 add'], [['--drain', '--format', 'csv', '--no-headers'], 0], [[], 0, 'nat64 pool4 display'], [['--dynamic', '198.18.0.4'], 0, 'nat64 pool4 remove'], [['--dynamic', '198.18.0.4'], 3, 'nat64 pool4 remove'], [['--format', 'bogus'], 2]]],
    ['nat64 pool4 remove', [[['192.0.2.1', '--tcp'], 0], [POOL, 0, 'nat64 pool4 add'], [['192.0.2.1', '--tcp'], 0], [['192.0.2.1', '--tcp'], 3], [POOL, 0, 'nat64 pool4 add']], 2],
    ['nat64 pool4 flush', [[[], 0]]],
    ['nat64 pool6 display', [[[], 0]]],
    ['nat64 file handle', [[[nat64File], 0], [[nat64File, '--check'], 0]]],
    ['nat64 file export', [[[], 0]]],
    ['completion', [[['bash'], 0], [['zsh'], 0], [['fish'], 2]]],
  ].map(([cmd, steps, repeat = 1]) => ({cmd, steps, repeat, ns}));
}

/** Commands the table leaves to their own tests, and why. */
export const ELSEWHERE = {
  'metrics serve': 'runs until stopped: test/e2e/metrics.test.mjs scrapes it',
};


/** Runs one step as the contract says and checks exit code, stream and JSON. */
export async function checkStep(ns, cmd, args, code, pos, input) {
  const argv = POSITIONS[pos](cmd.split(' '), args, ['-n', ns, '--json']);
  const r = await run(process.execPath, [CLI, ...argv], {timeout: 120_000, input});
  const what = `${cmd} ${args.join(' ')} [${pos}, stdin ${input ? 'piped' : 'closed'}]\n${show(r)}`;
  assert.equal(r.code, code, what);
  if (code === 0 || (cmd.endsWith('instance status') && code === 3)) {
    assert.ok(!r.stderr.split('\n').some((l) => l.startsWith('{')), `${what}: no JSON error on stderr`);
    const out = JSON.parse(r.stdout);
    assert.ok(validate(out), `${what}\n${JSON.stringify(validate.errors)}`);
    assert.equal(out.ok, true);
    assert.equal(out.command, cmd);
  } else {
    assert.equal(r.stdout, '', `${what}: nothing on stdout`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${what}: one line on stderr`);
    const err = JSON.parse(lines[0]);
    assert.ok(validate(err), `${what}\n${JSON.stringify(validate.errors)}`);
    assert.equal(err.error['exit-code'], code, what);
    assert.equal(err.command, cmd, what);
    // The text form of the same failure: `Error:` lines on stderr, nothing on stdout, the same code.
    const t = await run(process.execPath, [CLI, ...cmd.split(' '), ...args, '-n', ns], {timeout: 120_000, input});
    assert.equal(t.code, code, show(t));
    assert.equal(t.stdout, '', show(t));
    for (const l of t.stderr.trim().split('\n')) assert.match(l, /^(Error|Note|Warning): \S/, show(t));
  }
}

export const STDIN = [undefined, '10.0.0.0/8\n'];

/** A namespace with d0 (192.0.2.1/24) and p0, and both instances on d0. */
export async function contractNamespace(role) {
  const ns = await createNamespace(uniqueName(role));
  await ipIn(ns, ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'p0']);
  for (const i of ['d0', 'p0']) await ipIn(ns, ['link', 'set', i, 'up']);
  await ipIn(ns, ['addr', 'add', '192.0.2.1/24', 'dev', 'd0']);
  for (const args of [['siit', 'instance', 'add', '--iface', 'd0', '--pool6', '64:ff9b::/96'], ['nat64', 'instance', 'add', '--iface', 'd0', '--pool6', '64:ff9b::/96']]) {
    const r = await run(process.execPath, [CLI, '-n', ns, ...args], {timeout: 60_000});
    assert.equal(r.code, 0, show(r));
  }
  return ns;
}

/**
 * One test per row whose command starts with one of `modes`, in order (each leaves the state as it found it).
 * A row whose group is one idempotent step runs its six variants at once (writers serialize on the lock);
 * a change-and-undo group runs them one after the other.
 */
export function contractSuite(title, modes) {
  describe(title, {timeout: 1_800_000}, () => {
    let ns;
    let tmp;
    before(async () => {
      ns = await contractNamespace('ctr');
      tmp = mkdtempSync(path.join(tmpdir(), 'xlat-contract-'));
    });
    after(async () => {
      if (tmp) rmSync(tmp, {recursive: true, force: true});
      await cleanupAll();
    });
    for (const {cmd, repeat} of table(null, '').filter((r) => modes.includes(r.cmd.split(' ')[0]))) {
      it(`${cmd}: flags in every position, stdin piped and not; exit codes and JSON as documented`, async () => {
        const live = table(tmp, ns).find((r) => r.cmd === cmd);
        const group = live.steps.slice(0, repeat);
        const variants = Object.keys(POSITIONS).flatMap((pos) => STDIN.map((input) => ({pos, input})));
        if (repeat === 1) {
          const [args, code, other] = group[0];
          await Promise.all(variants.map(({pos, input}) => checkStep(ns, other ?? cmd, args, code, pos, input)));
        } else {
          for (const {pos, input} of variants) for (const [args, code, other] of group) await checkStep(ns, other ?? cmd, args, code, pos, input);
        }
        let k = 0;
        for (const [args, code, other] of live.steps.slice(repeat)) {
          await checkStep(ns, other ?? cmd, args, code, Object.keys(POSITIONS)[k % 3], STDIN[k % 2]);
          k++;
        }
      });
    }
  });
}
