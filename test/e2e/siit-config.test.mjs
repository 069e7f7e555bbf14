// SIIT configuration through the CLI, as operators drive it: EAMT, denylist4, every global, address query.
// One throwaway namespace with a veth pair inside it (tc hook on one end); always removed. Needs root and a build.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {skipReason, cleanupAll, createNamespace, ipIn, uniqueName, xlat} from '../helpers/netns.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e SIIT configuration skipped: ${SKIP}`);
const POOL6 = '2001:db8:100::/40';

after(cleanupAll);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

function assertOk(r, what) {
  assert.equal(r.code, 0, `${what} should succeed\n${show(r)}`);
}

function assertOneLineError(r, what, pattern) {
  assert.notEqual(r.code, 0, `${what} should fail\n${show(r)}`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `${what}: exactly one line on stderr\n${show(r)}`);
  assert.match(lines[0], /^Error: \S/, `${what}\n${show(r)}`);
  if (pattern) assert.match(lines[0], pattern, `${what}\n${show(r)}`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout\n${show(r)}`);
}

/** The `result` of a --json envelope (after checking the envelope itself). */
function json(r, what) {
  assertOk(r, what);
  let out;
  try {
    out = JSON.parse(r.stdout);
  } catch (err) {
    assert.fail(`${what}: not JSON (${err.message})\n${show(r)}`);
  }
  assert.deepEqual(Object.keys(out), ['ok', 'command', 'changed', 'result', 'warnings'], `${what}: the envelope`);
  assert.equal(out.ok, true, what);
  return out.result;
}

describe('siit configuration commands', {skip: SKIP || false}, () => {
  let ns;
  let tmp;
  const cli = (...args) => xlat(ns, ['siit', ...args], {timeout: 120_000});
  const eamt = async () => json(await cli('eamt', 'display', '--json'), 'eamt display --json').eamt;
  const globals = async () => json(await cli('global', 'display', '--json'), 'global display --json').global;
  const deny = async () => json(await cli('denylist4', 'display', '--json'), 'denylist4 display --json').denylist4.map((d) => d.prefix);

  before(async () => {
    ns = await createNamespace(uniqueName('cfg'));
    await ipIn(ns, ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
    await ipIn(ns, ['link', 'set', 'd0', 'up']);
    await ipIn(ns, ['link', 'set', 'd1', 'up']);
    await ipIn(ns, ['addr', 'add', '192.0.2.1/24', 'dev', 'd0']);
    tmp = mkdtempSync(path.join(tmpdir(), 'xlat-eamt-'));
    assertOk(await cli('instance', 'add', '--pool6', POOL6, '--iface', 'd0', '--hook', 'tc'), 'instance add');
  });
  after(() => {
    if (tmp) rmSync(tmp, {recursive: true, force: true});
  });

  it('a new instance has Jool\'s defaults', async () => {
    assert.deepEqual(await globals(), {
      'manually-enabled': true,
      pool6: POOL6,
      'lowest-ipv6-mtu': 1280,
      'zeroize-traffic-class': false,
      'override-tos': false,
      tos: 0,
      'mtu-plateaus': [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68],
      'amend-udp-checksum-zero': false,
      'eam-hairpin-mode': 'intrinsic',
      'randomize-rfc6791-addresses': true,
      'rfc6791v6-prefix': null,
      'rfc6791v4-prefix': null,
    });
    const text = await cli('global', 'display');
    assertOk(text, 'global display');
    assert.match(text.stdout, /^ {2}manually-enabled: true$/m);
    assert.match(text.stdout, /^ {2}mtu-plateaus: 65535,32000,17914,8166,4352,2002,1492,1006,508,296,68$/m);
    assert.match(text.stdout, /^ {2}rfc6791v4-prefix: \(unset\)$/m);
  });

  it('eamt add (either order), display (text, csv, json)', async () => {
    assertOk(await cli('eamt', 'add', '2001:db8:3::/120', '1.0.0.0/24'), 'eamt add');
    assertOk(await cli('eamt', 'add', '10.0.0.0/24', '2001:db8:2::/120'), 'eamt add, IPv4 first');
    assert.deepEqual(await eamt(), [
      {'ipv6-prefix': '2001:db8:2::/120', 'ipv4-prefix': '10.0.0.0/24'},
      {'ipv6-prefix': '2001:db8:3::/120', 'ipv4-prefix': '1.0.0.0/24'},
    ]);
    const t = await cli('eamt', 'display');
    assertOk(t, 'eamt display');
    assert.match(t.stdout, /\| IPv6 Prefix +\| IPv4 Prefix +\|/);
    assert.match(t.stdout, /\| 2001:db8:3::\/120 +\| 1\.0\.0\.0\/24 +\|/);
    const c = await cli('eamt', 'display', '--csv');
    assertOk(c, 'eamt display --csv');
    assert.equal(c.stdout, 'IPv6 Prefix,IPv4 Prefix\n2001:db8:2::/120,10.0.0.0/24\n2001:db8:3::/120,1.0.0.0/24\n');
    const n = await cli('eamt', 'display', '--csv', '--no-headers');
    assert.equal(n.stdout, '2001:db8:2::/120,10.0.0.0/24\n2001:db8:3::/120,1.0.0.0/24\n');
  });

  it('eamt add refuses bad input and overlaps (one line, nothing changed); --force allows overlaps', async () => {
    const before = await eamt();
    assertOneLineError(await cli('eamt', 'add', '2001:db8:3::80/121', '5.0.0.0/25'), 'overlap on the IPv6 side', /overlaps the EAMT entry 2001:db8:3::\/120 <-> 1\.0\.0\.0\/24 on the IPv6 side \(use --force/);
    assertOneLineError(await cli('eamt', 'add', '2001:db8:9::/112', '1.0.0.0/16'), 'overlap on the IPv4 side', /on the IPv4 side/);
    assertOneLineError(await cli('eamt', 'add', '2001:db8:9::/121', '9.0.0.0/24'), 'suffix too long', /IPv4 suffix of 9\.0\.0\.0\/24 \(8 bits\) is longer than the IPv6 suffix/);
    assertOneLineError(await cli('eamt', 'add', '2001:db8:9::1/120', '9.0.0.0/24'), 'host bits', /bits after \/120 must be zero/);
    assertOneLineError(await cli('eamt', 'add', '2001:db8:9::/120', '9.0.0.0/24', 'x'), 'extra argument');
    assertOneLineError(await cli('eamt', 'add', '2001:db8:9::/120'), 'missing prefix', /missing required arguments/);
    assertOneLineError(await cli('eamt', 'add', '2001:db8:3::/120', '9.0.0.0/24', '--force'), 'same IPv6 prefix, even forced', /already the IPv6 prefix/);
    assertOneLineError(await cli('eamt', 'add', '1.0.0.0/24', '2001:db8:3::/120'), 'the same entry', /already in the EAMT/);
    assert.deepEqual(await eamt(), before, 'nothing changed');
    assertOk(await cli('eamt', 'add', '2001:db8:3::80/121', '5.0.0.0/25', '--force'), 'forced overlap');
    assert.equal((await eamt()).length, 3);
  });

  it('address query: longest EAMT prefix, pool6, untranslatable', async () => {
    const q = async (a) => json(await cli('address', 'query', a, '--json'), `address query ${a}`);
    let r = await q('5.0.0.72');
    assert.equal(r.result, '2001:db8:3::c8');
    assert.deepEqual(r.eam, {'ipv6-prefix': '2001:db8:3::80/121', 'ipv4-prefix': '5.0.0.0/25'});
    r = await q('2001:db8:3::c8');
    assert.equal(r.result, '5.0.0.72', 'the /121 wins over the /120');
    r = await q('2001:db8:3::7');
    assert.equal(r.result, '1.0.0.7');
    r = await q('203.0.113.9');
    assert.equal(r.method, 'rfc6052');
    assert.equal(r.result, '2001:db8:1cb:71:9::');
    r = await q('2001:db9::1');
    assert.equal(r.result, null);
    assert.match(r.reason, /outside pool6/);
    r = await q('127.0.0.1');
    assert.match(r.reason, /reserved/);
    r = await q('192.0.2.1');
    assert.match(r.notes.join(' '), /address of this namespace/);
    const t = await cli('address', 'query', '10.0.0.5');
    assertOk(t, 'address query text');
    assert.equal(
      t.stdout,
      '  Query: 10.0.0.5\n  Scheme: EAMT\n    EAM: 2001:db8:2::/120 | 10.0.0.0/24\n  Operation: 10.0.0.5 - 10.0.0.0/24 + 2001:db8:2::/120 = 2001:db8:2::5\n  Result: 2001:db8:2::5\n',
    );
    assertOneLineError(await cli('address', 'query', '10.0.0.0/8'), 'a prefix is not an address', /not an IPv6 or IPv4 address/);
  });

  it('eamt remove by either prefix or both; mismatches and absent entries refused', async () => {
    assertOneLineError(await cli('eamt', 'remove', '2001:db8:2::/120', '1.0.0.0/24'), 'prefixes of different entries', /belong to different EAMT entries/);
    assertOneLineError(await cli('eamt', 'remove', '2001:db8:7::/120'), 'absent', /no EAMT entry has the IPv6 prefix 2001:db8:7::\/120/);
    assertOneLineError(await cli('eamt', 'remove', '1.0.0.0/25'), 'not exactly a prefix of an entry', /no EAMT entry has the IPv4 prefix 1\.0\.0\.0\/25/);
    assert.equal((await eamt()).length, 3);
    assertOk(await cli('eamt', 'remove', '5.0.0.0/25'), 'remove by IPv4 prefix');
    assertOk(await cli('eamt', 'remove', '2001:db8:2::/120', '10.0.0.0/24'), 'remove by both');
    assert.deepEqual(await eamt(), [{'ipv6-prefix': '2001:db8:3::/120', 'ipv4-prefix': '1.0.0.0/24'}]);
    // Gone from the IPv4 trie too: the address now maps through pool6.
    const r = json(await cli('address', 'query', '10.0.0.5', '--json'), 'query after remove');
    assert.equal(r.method, 'rfc6052');
    assertOk(await cli('eamt', 'remove', '2001:db8:3::/120'), 'remove by IPv6 prefix');
    assert.deepEqual(await eamt(), []);
  });

  it('eamt add --file: 10,000 entries at once, timed; a bad or overlapping file changes nothing; flush', async (t) => {
    const lines = [];
    for (let i = 0; i < 10000; i++) lines.push(`2001:db8:${(0x1000 + i).toString(16)}::/120 ${10 + (i >> 8)}.${i & 0xff}.0.0/24`);
    const file = path.join(tmp, 'eamt.txt');
    writeFileSync(file, `# 10,000 entries\n${lines.join('\n')}\n`);
    const t0 = performance.now();
    const r = await cli('eamt', 'add', '--file', file);
    const ms = performance.now() - t0;
    assertOk(r, 'eamt add --file');
    assert.match(r.stdout, /Added 10000 EAMT entries/);
    t.diagnostic(`eamt add --file with 10,000 entries: ${ms.toFixed(0)} ms (whole CLI process)`);
    const t1 = performance.now();
    const all = await eamt();
    t.diagnostic(`eamt display --json of 10,000 entries: ${(performance.now() - t1).toFixed(0)} ms`);
    assert.equal(all.length, 10000);

    const bad = path.join(tmp, 'bad.txt');
    writeFileSync(bad, '2001:db9::/120 192.0.2.0/24\n2001:db9:1::/121 192.0.3.0/24\n');
    assertOneLineError(await cli('eamt', 'add', '--file', bad), 'bad line', new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 2: `));
    writeFileSync(bad, '2001:db9::/120 192.0.2.0/24\n2001:db8:1005::/120 192.0.4.0/24\n');
    assertOneLineError(await cli('eamt', 'add', '--file', bad), 'overlapping line', /2001:db8:1005::\/120 is already the IPv6 prefix/);
    assertOneLineError(await cli('eamt', 'add', '--file', path.join(tmp, 'missing.txt')), 'missing file', /cannot read .*: no such file or directory$/);
    assert.equal((await eamt()).length, 10000, 'nothing changed');

    const f = json(await cli('eamt', 'flush', '--json'), 'eamt flush');
    assert.equal(f.removed.length, 10000);
    assert.deepEqual(await eamt(), []);
  });

  it('denylist4 add, display, remove, flush; address query honours it', async () => {
    assertOk(await cli('denylist4', 'add', '198.51.100.0/24'), 'denylist4 add');
    assertOk(await cli('denylist4', 'add', '203.0.113.7'), 'denylist4 add bare address');
    assert.deepEqual(await deny(), ['198.51.100.0/24', '203.0.113.7/32']);
    const text = await cli('denylist4', 'display');
    assert.match(text.stdout, /\| 198\.51\.100\.0\/24 \|/);
    assertOneLineError(await cli('denylist4', 'add', '198.51.100.0/24'), 'duplicate', /already in denylist4/);
    assertOneLineError(await cli('denylist4', 'add', '198.51.100.1/24'), 'host bits', /bits after \/24 must be zero/);
    assertOneLineError(await cli('denylist4', 'add', '2001:db8::/64'), 'IPv6', /not a valid IPv4 prefix/);
    assertOneLineError(await cli('denylist4', 'remove', '198.51.101.0/24'), 'absent', /is not in denylist4/);
    const q = json(await cli('address', 'query', '198.51.100.3', '--json'), 'query denylisted');
    assert.equal(q.result, null);
    assert.match(q.reason, /denylist4 198\.51\.100\.0\/24/);
    const q6 = json(await cli('address', 'query', '2001:db8:1c6:3364:3::', '--json'), 'query denylisted IPv6 side');
    assert.equal(q6.result, null);
    assertOk(await cli('denylist4', 'remove', '203.0.113.7/32'), 'denylist4 remove');
    assert.deepEqual(await deny(), ['198.51.100.0/24']);
    assert.deepEqual(json(await cli('denylist4', 'flush', '--json'), 'denylist4 flush'), {removed: [{prefix: '198.51.100.0/24'}]});
    assert.deepEqual(await deny(), []);
  });

  it('global update: every key, then invalid values change nothing', async () => {
    const valid = [
      ['manually-enabled', 'false', false],
      ['manually-enabled', 'true', true],
      ['zeroize-traffic-class', '1', true],
      ['override-tos', 'true', true],
      ['tos', '184', 184],
      ['mtu-plateaus', '1280,9000,1500,1500', [9000, 1500, 1280]],
      ['amend-udp-checksum-zero', '1', true],
      ['amend-udp-checksum-zero', '0', false],
      ['eam-hairpin-mode', 'simple', 'simple'],
      ['randomize-rfc6791-addresses', 'false', false],
      ['rfc6791v4-prefix', '203.0.113.8', '203.0.113.8/32'],
      ['rfc6791v6-prefix', '2001:db8:ffff::/64', '2001:db8:ffff::/64'],
      ['lowest-ipv6-mtu', '1500', 1500],
      ['pool6', '64:ff9b::/96', '64:ff9b::/96'],
    ];
    for (const [key, value, want] of valid) {
      const r = json(await cli('global', 'update', key, value, '--json'), `global update ${key} ${value}`);
      assert.deepEqual({key: r.key, value: r.value}, {key, value: want});
      assert.deepEqual(r.global[key], want);
      assert.deepEqual((await globals())[key], want, `${key} after update`);
    }
    const before = await globals();
    const invalid = [
      ['manually-enabled', 'maybe', /expected true or false/],
      ['tos', '256', /from 0 to 255/],
      ['lowest-ipv6-mtu', '1279', /from 1280 to 65535/],
      ['lowest-ipv6-mtu', '65536', /from 1280 to 65535/],
      ['mtu-plateaus', '1500,67', /from 68 to 65535/],
      ['mtu-plateaus', Array.from({length: 17}, (_, i) => 1000 + i).join(','), /at most 16/],
      ['eam-hairpin-mode', 'on', /off, simple or intrinsic/],
      ['rfc6791v4-prefix', '203.0.113.1/24', /bits after \/24 must be zero/],
      ['rfc6791v6-prefix', '203.0.113.0/24', /IPv6/],
      ['pool6', '64:ff9b::/95', /length must be/],
      ['pool4', '1', /is not a SIIT global key/],
    ];
    for (const [key, value, pattern] of invalid) {
      assertOneLineError(await cli('global', 'update', key, value), `global update ${key} ${value}`, pattern);
    }
    assert.deepEqual(await globals(), before, 'nothing changed');
    // Unset the optional prefixes again.
    assertOk(await cli('global', 'update', 'rfc6791v4-prefix', 'null'), 'unset rfc6791v4-prefix');
    assertOk(await cli('global', 'update', 'rfc6791v6-prefix', 'null'), 'unset rfc6791v6-prefix');
    const g = await globals();
    assert.equal(g['rfc6791v4-prefix'], null);
    assert.equal(g['rfc6791v6-prefix'], null);
  });

  it('the CLI acts on the namespace given with -n too', async () => {
    const r = await xlat(null, ['siit', 'global', 'display', '--json', '-n', ns]);
    assertOk(r, 'global display -n');
    assert.equal(JSON.parse(r.stdout).result.global.pool6, '64:ff9b::/96');
  });
});
