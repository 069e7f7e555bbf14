// The CLI's error edge and help, through bin/run.js (build with `npx tsc` first).
// Every case here fails during input validation, so none touches the kernel.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const pjson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

function xlat(args, options = {}) {
  const env = {...process.env, HOME: process.env.HOME ?? '/tmp'};
  delete env.NODE_ENV;
  const r = spawnSync(process.execPath, [bin, ...args], {cwd: root, encoding: 'utf8', env, timeout: 30_000, ...options});
  if (r.error) throw r.error;
  return r;
}

/** Asserts exactly one line `Error: ...` on stderr, nothing on stdout, a non-zero exit; returns the message. */
function oneLineError(r, label) {
  assert.notEqual(r.status, 0, `${label}: exit status`);
  assert.equal(r.stdout, '', `${label}: stdout should be empty, got ${JSON.stringify(r.stdout)}`);
  const lines = r.stderr.split('\n');
  assert.equal(lines.at(-1), '', `${label}: stderr ends with a newline`);
  assert.equal(lines.length, 2, `${label}: exactly one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], /^Error: \S/, label);
  return lines[0].slice('Error: '.length);
}

const CASES = [
  // [label, argv, expected message (string: exact, RegExp: match)]
  ['malformed prefix', ['siit', 'instance', 'add', '--pool6', 'zz::/96'], "'zz::/96' is not a valid IPv6 prefix: 'zz::' is not an IPv6 address (invalid character 'z')"],
  ['not a prefix', ['siit', 'instance', 'add', '--pool6', '64:ff9b::'], "'64:ff9b::' is not a valid IPv6 prefix: expected ADDRESS/LENGTH, e.g. 64:ff9b::/96"],
  ['length 129', ['siit', 'instance', 'add', '--pool6', '2001:db8::/129'], "'2001:db8::/129' is not a valid IPv6 prefix: length must be 0-128"],
  ['length 33', ['siit', 'instance', 'add', '--pool6', '2001:db8::/33'], "'2001:db8::/33' is not a valid pool6 prefix: length must be 32, 40, 48, 56, 64 or 96 (RFC 6052)"],
  ['non-zero u-octet', ['siit', 'instance', 'add', '--pool6', '2001:db8:0:0:100::/96'], "'2001:db8:0:0:100::/96' is not a valid pool6 prefix: bits 64-71 (the u-octet) of the prefix must be zero"],
  ['host bits set', ['siit', 'instance', 'add', '--pool6', '2001:db8::1/96'], "'2001:db8::1/96' is not a valid pool6 prefix: bits after /96 must be zero (did you mean 2001:db8::/96?)"],
  ['bad --hook', ['siit', 'instance', 'add', '--hook', 'bad'], "'bad' is not a valid value for --hook: expected one of auto, xdp, xdp-generic, tc"],
  ['bad --iface', ['siit', 'instance', 'add', '--iface', 'a-very-long-interface-name'], /is not a valid interface name: it is longer than 15 bytes/],
  ['repeated --iface', ['siit', 'instance', 'add', '-i', 'eth0', '-i', 'eth0'], "interface 'eth0' is listed twice"],
  ['bad --netns', ['siit', 'instance', 'display', '-n', '../x'], "'../x' is not a valid network namespace name: it contains '/'"],
  ['unknown flag', ['siit', 'instance', 'add', '--bogus'], "unknown flag --bogus for 'xlat siit instance add' (see 'xlat siit instance add --help')"],
  ['flag without value', ['siit', 'instance', 'add', '--pool6'], "flag --pool6 needs a value (see 'xlat siit instance add --help')"],
  ['unknown global key', ['siit', 'global', 'update', 'pool4', '192.0.2.0/24'], /'pool4' is not a SIIT global key: expected one of manually-enabled, pool6, lowest-ipv6-mtu, /],
  ['bad boolean', ['siit', 'global', 'update', 'manually-enabled', 'maybe'], "'maybe' is not a valid value for manually-enabled: expected true or false (also yes/no, on/off, 1/0)"],
  ['bad pool6 in update', ['siit', 'global', 'update', 'pool6', '64:ff9b::/95'], /'64:ff9b::\/95' is not a valid pool6 prefix: length must be/],
  ['missing arguments', ['siit', 'global', 'update'], "missing required arguments KEY VALUE (see 'xlat siit global update --help')"],
  ['missing value', ['siit', 'global', 'update', 'pool6'], "missing required argument VALUE (see 'xlat siit global update --help')"],
  ['extra argument', ['siit', 'global', 'update', 'pool6', 'null', 'extra'], "unexpected argument 'extra' for 'xlat siit global update' (see 'xlat siit global update --help')"],
  ['--csv where there is no table', ['siit', 'instance', 'add', '--csv'], "unknown flag --csv for 'xlat siit instance add' (see 'xlat siit instance add --help')"],
  ['pool4 add without a protocol', ['nat64', 'pool4', 'add', '192.0.2.1'], 'give the protocol of the entry: --tcp, --udp or --icmp'],
  ['icmp-timeout 0', ['nat64', 'global', 'update', 'icmp-timeout', '0'], 'icmp-timeout 0 is below its minimum of 0:00:01 (1 second, a session must outlive its reply)'],
  ['maximum-simultaneous-opens 0', ['nat64', 'global', 'update', 'maximum-simultaneous-opens', '0'], "'0' is not a valid value for maximum-simultaneous-opens: expected an integer from 1 to 1000000"],
  ['EAMT onto loopback', ['siit', 'eamt', 'add', '2001:db8:ffff::/120', '127.0.0.0/24'], '127.0.0.0/24 lies in 127.0.0.0/8 (loopback), which is never translated: an EAMT entry there could not work'],
  ['eamt add --file missing', ['siit', 'eamt', 'add', '--file', '/nonexistent/eamt.txt'], 'cannot read /nonexistent/eamt.txt: no such file or directory'],
  ['eamt add --file directory', ['siit', 'eamt', 'add', '--file', '/'], 'cannot read /: it is a directory'],
  ['a topic without an operation', ['siit', 'eamt'], "'xlat siit eamt' needs one of: add, display, flush, remove (see 'xlat siit eamt --help')"],
  ['an ambiguous abbreviation', ['nat64', 's', 'display'], "'s' is ambiguous after 'xlat nat64': it may be session, stats"],
];

for (const [label, argv, expected] of CASES) {
  test(`one-line error: ${label}`, () => {
    const r = xlat(argv);
    const message = oneLineError(r, label);
    if (typeof expected === 'string') assert.equal(message, expected, label);
    else assert.match(message, expected, label);
    assert.equal(r.status, 2, `${label}: input errors exit with 2`);
  });
}

test('--json errors: one JSON line on stderr (the envelope), nothing on stdout, for every case above', () => {
  for (const [label, argv, expected] of CASES) {
    const r = xlat([...argv, '--json']);
    assert.equal(r.status, 2, label);
    assert.equal(r.stdout, '', `${label}: stdout`);
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 2, `${label}: one line on stderr: ${r.stderr}`);
    const out = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(out), ['ok', 'command', 'error'], label);
    assert.equal(out.ok, false);
    assert.deepEqual(Object.keys(out.error), ['kind', 'message', 'exit-code'], label);
    assert.equal(out.error.kind, 'input', label);
    assert.equal(out.error['exit-code'], 2, label);
    if (typeof expected === 'string') assert.equal(out.error.message, expected, label);
  }
});

test('--json and --csv together are refused before anything runs', () => {
  const r = xlat(['siit', 'eamt', 'display', '--json', '--csv']);
  assert.equal(r.status, 2);
  assert.equal(JSON.parse(r.stderr).error.message, '--json and --csv are two output formats: give one of them');
});

test('--json errors name the command; --json anywhere on the line', () => {
  const r = xlat(['--json', 'siit', 'instance', 'add', '--pool6', '2001:db8::/33']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  const out = JSON.parse(r.stderr);
  assert.equal(out.command, 'siit instance add');
  assert.equal(out.error.message, "'2001:db8::/33' is not a valid pool6 prefix: length must be 32, 40, 48, 56, 64 or 96 (RFC 6052)");
});

test('input errors are reported before the root check (run as an unprivileged user)', (t) => {
  if (process.getuid?.() !== 0) {
    // Already unprivileged: the cases above proved it.
    return;
  }
  const probe = xlat(['--help'], {uid: 65534, gid: 65534, env: {PATH: process.env.PATH, HOME: '/tmp'}});
  if (probe.status !== 0) {
    t.skip(`uid 65534 cannot run the CLI here (${probe.stderr.split('\n')[0]})`);
    return;
  }
  for (const [label, argv, expected] of CASES.slice(0, 6)) {
    const r = xlat(argv, {uid: 65534, gid: 65534, env: {PATH: process.env.PATH, HOME: '/tmp'}});
    const message = oneLineError(r, `${label} (unprivileged)`);
    if (typeof expected === 'string') assert.equal(message, expected);
  }
  // Valid input, then the root check: one line, exit 5 (not 3, which is "Dead").
  const r = xlat(['siit', 'instance', 'status'], {uid: 65534, gid: 65534, env: {PATH: process.env.PATH, HOME: '/tmp'}});
  assert.match(oneLineError(r, 'not root'), /^'xlat siit instance status' needs root privileges/);
  assert.equal(r.status, 5);
});

test('unknown commands are one line too (needs the command_not_found hook in package.json)', (t) => {
  if (!pjson.oclif?.hooks?.command_not_found) {
    t.skip('package.json has no oclif.hooks.command_not_found');
    return;
  }
  assert.equal(
    oneLineError(xlat(['siit', 'bogus']), 'unknown command'),
    "'siit bogus' is not an xlat command: 'xlat siit' takes address, denylist4, eamt, file, global, instance, stats (see 'xlat siit --help')",
  );
  assert.equal(oneLineError(xlat(['bogus']), 'unknown mode'), "'bogus' is not an xlat command: 'xlat' takes completion, config, metrics, nat64, siit (see 'xlat --help')");
  assert.match(oneLineError(xlat(['siit', 'instance', 'remove', 'extra']), 'extra word'), /unexpected argument 'extra' for 'xlat siit instance remove'/);
});

test('xlat --help', () => {
  const r = xlat(['--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /USAGE/);
  assert.match(r.stdout, /siit/);
});

test('xlat siit instance add --help', () => {
  const r = xlat(['siit', 'instance', 'add', '--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const flag of ['--pool6', '--iface', '--hook', '--netns', '--json', '--verbose', 'auto|xdp|xdp-generic|tc', 'EXAMPLES']) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
  }
});

test('every command has --help with a description and examples', () => {
  const commands = [
    ['siit', 'instance', 'add'], ['siit', 'instance', 'remove'], ['siit', 'instance', 'display'], ['siit', 'instance', 'status'],
    ['siit', 'global', 'display'], ['siit', 'global', 'update'], ['siit', 'stats', 'display'],
  ];
  for (const c of commands) {
    const r = xlat([...c, '--help']);
    assert.equal(r.status, 0, `${c.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /DESCRIPTION/, c.join(' '));
    assert.match(r.stdout, /EXAMPLES/, c.join(' '));
    assert.match(r.stdout, /--json/, c.join(' '));
  }
});
