// Self-test of the conformance runner's judging (test/helpers/conformance-judge.mjs) and corpus reading
// (test/helpers/conformance-corpus.mjs) on synthetic packets: pure, no root, no corpus needed.
// Run: node --test test/conformance/judge.test.mjs
import {test, describe} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync, mkdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {
  formatIPv6,
  addressing,
  sameAddressing,
  comparePacket,
  judgeCase,
  report,
  hexDiff,
  ranges,
  describePacket,
} from '../helpers/conformance-judge.mjs';
import {joolToXlat, loadCorpus, corpusSkipReason, defaultCorpusDir} from '../helpers/conformance-corpus.mjs';

// ------------------------------------------------------------------ synthetic packets (checksums irrelevant)

function v4(src, dst, {proto = 17, payload = 8, ttl = 63, id = 0} = {}) {
  const b = Buffer.alloc(20 + payload);
  b[0] = 0x45;
  b.writeUInt16BE(b.length, 2);
  b.writeUInt16BE(id, 4);
  b[8] = ttl;
  b[9] = proto;
  Buffer.from(src.split('.').map(Number)).copy(b, 12);
  Buffer.from(dst.split('.').map(Number)).copy(b, 16);
  for (let i = 20; i < b.length; i++) b[i] = i & 0xff;
  return b;
}

/** IPv6 with addresses 2001:db8::<s> and 2001:db8::<d> (s, d small integers). */
function v6(s, d, {nh = 17, payload = 8, hl = 63} = {}) {
  const b = Buffer.alloc(40 + payload);
  b[0] = 0x60;
  b.writeUInt16BE(payload, 4);
  b[6] = nh;
  b[7] = hl;
  b.writeUInt32BE(0x20010db8, 8);
  b.writeUInt16BE(s, 22);
  b.writeUInt32BE(0x20010db8, 24);
  b.writeUInt16BE(d, 38);
  for (let i = 40; i < b.length; i++) b[i] = i & 0xff;
  return b;
}

const exp = (name, bytes, ignore = []) => ({name, bytes, ignore});
const tweak = (buf, off, value) => {
  const b = Buffer.from(buf);
  b[off] = value;
  return b;
};

// ------------------------------------------------------------------ tests

describe('addresses', () => {
  test('RFC 5952 text', () => {
    const a = (hex) => formatIPv6(Buffer.from(hex, 'hex'));
    assert.equal(a('20010db801c633640002000000000000'), '2001:db8:1c6:3364:2::');
    assert.equal(a('00000000000000000000000000000001'), '::1');
    assert.equal(a('00000000000000000000000000000000'), '::');
    assert.equal(a('20010db8000000010000000000000001'), '2001:db8:0:1::1'); // a single zero word is not compressed
    assert.equal(a('20010db8000000000001000000000001'), '2001:db8::1:0:0:1'); // first of two equal runs
    assert.equal(a('20010db8000100020003000400050006'), '2001:db8:1:2:3:4:5:6');
  });

  test('addressing of IPv4, IPv6 and garbage', () => {
    assert.deepEqual(addressing(v4('198.51.100.2', '192.0.2.33')), {version: 4, src: '198.51.100.2', dst: '192.0.2.33'});
    assert.deepEqual(addressing(v6(1, 2)), {version: 6, src: '2001:db8::1', dst: '2001:db8::2'});
    assert.equal(addressing(Buffer.from([0x45, 0, 0])), null, 'truncated IPv4 header');
    assert.equal(addressing(Buffer.alloc(60, 0x10)), null, 'version 1');
    assert.equal(addressing(Buffer.alloc(0)), null);
  });

  test('same addressing needs version, source and destination', () => {
    assert.ok(sameAddressing(v4('10.0.0.1', '10.0.0.2'), v4('10.0.0.1', '10.0.0.2', {proto: 6, payload: 30})));
    assert.ok(!sameAddressing(v4('10.0.0.1', '10.0.0.2'), v4('10.0.0.2', '10.0.0.1')), 'swapped');
    assert.ok(!sameAddressing(v4('10.0.0.1', '10.0.0.2'), v4('10.0.0.1', '10.0.0.3')));
    assert.ok(!sameAddressing(v6(1, 2), v4('10.0.0.1', '10.0.0.2')));
  });
});

describe('comparePacket', () => {
  const p = v6(1, 2, {payload: 16});
  test('identical', () => {
    assert.deepEqual(comparePacket(p, Buffer.from(p)), {equal: true, expectedLength: 56, receivedLength: 56, differing: []});
  });
  test('a differing ignored offset is fine, another is not', () => {
    assert.equal(comparePacket(p, tweak(p, 45, 0xee), [45]).equal, true);
    const c = comparePacket(p, tweak(tweak(p, 45, 0xee), 7, 64), [45]);
    assert.equal(c.equal, false);
    assert.deepEqual(c.differing, [7]);
  });
  test('length must be equal, even when the common part is', () => {
    const c = comparePacket(p, Buffer.concat([p, Buffer.from([0])]));
    assert.equal(c.equal, false);
    assert.deepEqual(c.differing, []);
    assert.equal(c.receivedLength, 57);
    assert.equal(comparePacket(p, p.subarray(0, 50)).equal, false);
  });
});

describe('judgeCase', () => {
  const a = v4('192.0.2.33', '198.51.100.2', {payload: 12});
  const b = v4('192.0.2.33', '198.51.100.2', {payload: 4, id: 7});
  const other = v4('198.51.100.1', '198.51.100.2', {proto: 1});
  const six = v6(1, 2);

  test('the expected packet arrives: pass', () => {
    const v = judgeCase([exp('a', a)], [a]);
    assert.equal(v.pass, true);
    assert.deepEqual(v.outcomes, [{status: 'ok', receivedIndex: 0, comparison: comparePacket(a, a)}]);
  });

  test('IPv4 identification and header checksum ignored when listed', () => {
    const got = tweak(tweak(tweak(a, 4, 0x12), 5, 0x34), 11, 0x99);
    assert.equal(judgeCase([exp('a', a, [4, 5, 10, 11])], [got]).pass, true);
    assert.equal(judgeCase([exp('a', a)], [got]).pass, false);
  });

  test('nothing received: every expected packet missing', () => {
    const v = judgeCase([exp('a', a), exp('b', b)], []);
    assert.equal(v.pass, false);
    assert.deepEqual(v.outcomes.map((o) => o.status), ['missing', 'missing']);
    assert.match(report(v, [exp('a', a), exp('b', b)], [], {where: 'n4 to_jool_v4'}), /^nothing received on n4 to_jool_v4/);
  });

  test('packets addressed otherwise are ignored, before, between and after', () => {
    const v = judgeCase([exp('a', a), exp('six', six)], [other, six, a, other, six, a]);
    // six arrives before a: it is not addressed like the head (a), so it is ignored
    assert.equal(v.pass, true);
    assert.deepEqual(v.unrelated, [0, 1, 3]);
    assert.deepEqual(v.after, [5]);
  });

  test('a packet addressed like the head is compared, and consumes it even when it differs', () => {
    const wrongTtl = tweak(a, 8, 64);
    const v = judgeCase([exp('a', a)], [wrongTtl, a]);
    assert.equal(v.pass, false);
    assert.equal(v.outcomes[0].status, 'differs');
    assert.deepEqual(v.outcomes[0].comparison.differing, [8]);
    assert.deepEqual(v.after, [1], 'the correct packet came too late: the queue was empty');
  });

  test('order matters: two fragments with the same addresses, swapped', () => {
    assert.equal(judgeCase([exp('a', a), exp('b', b)], [a, b]).pass, true);
    const v = judgeCase([exp('a', a), exp('b', b)], [b, a]);
    assert.equal(v.pass, false);
    assert.deepEqual(v.outcomes.map((o) => o.status), ['differs', 'differs']);
  });

  test('only the first of two expected packets arrives', () => {
    const v = judgeCase([exp('a', a), exp('b', b)], [a]);
    assert.equal(v.pass, false);
    assert.deepEqual(v.outcomes.map((o) => o.status), ['ok', 'missing']);
  });

  test('wrong length (a fragment header missing) fails', () => {
    const longer = v4('192.0.2.33', '198.51.100.2', {payload: 20});
    const v = judgeCase([exp('a', longer)], [a]);
    assert.equal(v.pass, false);
    assert.equal(v.outcomes[0].status, 'differs');
  });

  test('an empty expectation passes whatever arrives', () => {
    assert.equal(judgeCase([], [a, six]).pass, true);
  });
});

describe('reports', () => {
  test('ranges', () => {
    assert.equal(ranges([]), '');
    assert.equal(ranges([4, 5, 6, 10, 12, 13]), '4-6,10,12-13');
  });

  test('hexDiff marks differing and ignored bytes in the right columns', () => {
    const e = v4('192.0.2.33', '198.51.100.2', {payload: 20});
    const g = tweak(tweak(e, 4, 0xaa), 8, 64);
    const text = hexDiff(e, g, [4], {indent: ''});
    const lines = text.split('\n');
    assert.equal(lines.length, 3, text);
    assert.match(lines[0], /^0000 exp 45 00 00 28 00 00 00 00 3f 11/);
    assert.match(lines[1], /^ {5}got 45 00 00 28 aa 00 00 00 40 11/);
    const col = (i) => 9 + 3 * i;
    assert.equal(lines[2].slice(col(4), col(4) + 2), '..', 'ignored offset');
    assert.equal(lines[2].slice(col(8), col(8) + 2), '^^', 'differing offset');
    assert.equal(lines[2].slice(col(0), col(4)).trim(), '');
  });

  test('hexDiff shows missing bytes of a shorter packet as --', () => {
    const e = v6(1, 2, {payload: 18}); // 58 bytes: the last row holds offsets 48-57
    const text = hexDiff(e, e.subarray(0, 56), [], {indent: ''});
    assert.equal(text, ['0030 exp 30 31 32 33 34 35 36 37 38 39', '     got 30 31 32 33 34 35 36 37 -- --', `${' '.repeat(33)}^^ ^^`].join('\n'));
  });

  test('report of a differing packet names the offsets and both packets', () => {
    const e = v4('192.0.2.33', '198.51.100.2');
    const g = tweak(e, 9, 6);
    const v = judgeCase([exp('abe1.pkt', e)], [g]);
    const text = report(v, [exp('abe1.pkt', e)], [g]);
    assert.match(text, /abe1\.pkt: differs \(received #0\): length 28; 1 differing byte\(s\) at 9/);
    assert.match(text, /expected IPv4 192\.0\.2\.33 > 198\.51\.100\.2 len 28 ttl 63 tos 0 UDP/);
    assert.match(text, /received IPv4 192\.0\.2\.33 > 198\.51\.100\.2 len 28 ttl 63 tos 0 TCP/);
  });

  test('describePacket decodes fragments and ICMP', () => {
    const frag = v6(1, 2, {nh: 44, payload: 16});
    frag[40] = 58; // next header ICMPv6
    frag.writeUInt16BE(0x0001, 42); // offset 0, M
    frag.writeUInt32BE(1234, 44);
    frag[48] = 2; // Packet Too Big
    frag[49] = 0;
    frag.writeUInt32BE(1280, 52);
    assert.equal(describePacket(frag), 'IPv6 2001:db8::1 > 2001:db8::2 len 56 hl 63 tc 0 frag(id 1234 off 0 M) ICMPv6 2/0 mtu 1280');
    const icmp = v4('198.51.100.1', '198.51.100.2', {proto: 1});
    icmp[20] = 3;
    icmp[21] = 4;
    icmp.writeUInt16BE(1480, 26);
    assert.equal(describePacket(icmp), 'IPv4 198.51.100.1 > 198.51.100.2 len 28 ttl 63 tos 0 ICMP 3/4 mtu 1480');
  });
});

describe('corpus reading', () => {
  test('Jool configuration commands become xlat commands', () => {
    assert.deepEqual(joolToXlat(['instance', 'add', '--netfilter', '-6', '2001:db8:100::/40'], 'xdp'), {
      args: ['siit', 'instance', 'add', '--pool6', '2001:db8:100::/40', '--hook', 'xdp'],
      key: 'instance',
    });
    assert.deepEqual(joolToXlat(['eamt', 'add', '2001:db8:3::/120', '1.0.0.0/24'], 'tc'), {
      args: ['siit', 'eamt', 'add', '2001:db8:3::/120', '1.0.0.0/24'],
      key: 'eamt add 2001:db8:3::/120 1.0.0.0/24',
    });
    assert.deepEqual(joolToXlat(['global', 'update', 'lowest-ipv6-mtu', '1280'], 'tc'), {
      args: ['siit', 'global', 'update', 'lowest-ipv6-mtu', '1280'],
      key: 'global lowest-ipv6-mtu',
    });
  });

  test('a missing corpus is a reason to skip, naming where it was looked for', () => {
    const r = corpusSkipReason('/nonexistent/conformance/rfc7915');
    assert.match(r, /not found at \/nonexistent\/conformance\/rfc7915/);
    assert.equal(defaultCorpusDir('/work/main'), path.join('/work', 'shared', 'conformance', 'rfc7915'));
  });

  test('loadCorpus numbers cases, reads packets and finds the translator namespace', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xlat-corpus-'));
    try {
      mkdirSync(path.join(dir, 'packets'));
      writeFileSync(path.join(dir, 'packets', 'x.pkt'), v4('1.1.1.1', '2.2.2.2'));
      writeFileSync(path.join(dir, 'packets', 'y.pkt'), v6(1, 2));
      writeFileSync(
        path.join(dir, 'cases.json'),
        JSON.stringify({
          links: [
            [['a', 'a0'], ['j', 'j0']],
            [['j', 'j1'], ['b', 'b0']],
          ],
          setup: {},
          translator: [['instance', 'add', '-6', '64:ff9b::/96']],
          steps: [
            {send: [['a', 'packets/x.pkt']], expect_ns: 'b', expect: [['packets/y.pkt', []]], wait: 0.1, name: 'x -> y'},
            {jool: ['global', 'update', 'k', 'v']},
            {send: [['b', 'packets/y.pkt']], expect_ns: 'a', expect: [['packets/x.pkt', [4, 5]]], wait: 0.1, name: 'y -> x'},
          ],
        }),
      );
      assert.equal(corpusSkipReason(dir), null);
      const c = loadCorpus(dir);
      assert.equal(c.cases, 2);
      assert.equal(c.translator, 'j');
      assert.deepEqual(c.endpoints.sort(), ['a', 'b']);
      assert.equal(c.steps[0].title, '#1 x -> y');
      assert.equal(c.steps[2].title, '#2 y -> x');
      assert.deepEqual(c.steps[2].expect[0].ignore, [4, 5]);
      assert.equal(c.steps[0].send[0].ns, 'a');
      assert.deepEqual(c.steps[0].send[0].bytes, v4('1.1.1.1', '2.2.2.2'));
      assert.deepEqual(c.steps[1], {jool: ['global', 'update', 'k', 'v']});
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
