// Property-based tests of every parser of operator input (issue 11, part 2), with fast-check: any text either
// parses to a value whose canonical text parses back to the same value (and formats to the same text again), or
// is refused with an InputError whose message is one line. Never another exception (a TypeError is a bug), never
// a value that does not survive its own formatting. Inputs: well-formed values written in every way the syntax
// allows, the same with one character inserted, deleted or replaced, and arbitrary strings.
// Seeded: XLAT_PROPERTY_SEED=N reruns a failure (fast-check prints the seed and the shrunk counterexample).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {XlatError, ConfigError} from '../../dist/errors.js';
import {oneLine} from '../../dist/cli/errors.js';
import {parseIPv4, formatIPv4, parsePrefix4, formatPrefix4} from '../../dist/model/ipv4.js';
import {parseIPv6, formatIPv6, parsePrefix6, formatPrefix6} from '../../dist/model/ipv6.js';
import {parsePool6OrNull, formatPool6} from '../../dist/model/pool6.js';
import {parseAnyPrefix, parseEamEntry, formatEamEntry} from '../../dist/model/siit-eamt.js';

const formatAnyPrefix = (p) => (p.family === 6 ? formatPrefix6(p.prefix) : formatPrefix4(p.prefix));
import {parsePortRange, parseTransportAddress, parseMaxIterations, parseMark} from '../../dist/model/nat64-pool4.js';
import {parseBool, parseDuration, formatDuration} from '../../dist/model/values.js';
import {parseNat64GlobalUpdate, NAT64_TIMEOUT_KEYS, NAT64_GLOBAL_KEYS} from '../../dist/model/nat64-globals.js';

const NAT64_NUMBER_KEYS = ['tos', 'lowest-ipv6-mtu', 'f-args', 'maximum-simultaneous-opens'];
/** A timeout or number global, through `global update`'s parser (the one files use too). */
const nat64Value = (key) => (t) => parseNat64GlobalUpdate(key, t).value;
import {parseSiitGlobalChange, changeView, SIIT_ALL_GLOBAL_KEYS} from '../../dist/model/siit-config.js';
import {validateIfname, validateNetnsName} from '../../dist/model/names.js';
import {readConfig} from '../../dist/config/read.js';
import {siitDocument, nat64Document} from '../../dist/config/document.js';

const SEED = Number(process.env.XLAT_PROPERTY_SEED ?? 20261201);
const RUNS = Number(process.env.XLAT_PROPERTY_RUNS ?? 3000);
const opts = (n = RUNS) => ({seed: SEED, numRuns: n});

// ---- input generators -------------------------------------------------------------------------------------------

const NASTY = [...'0123456789abcdefABCDEF:./#-, \t\n\r%x\u0000\u00e9\u202e/', '::', '0x', '\u{1F600}'];
const byte = fc.integer({min: 0, max: 255});
const hexCase = (s, upper) => (upper ? s.toUpperCase() : s);

const ipv4Text = fc.tuple(fc.array(byte, {minLength: 4, maxLength: 4}), fc.boolean()).map(([b, zeros]) => b.map((x) => (zeros && x < 10 ? `0${x}` : String(x))).join('.'));

/** An IPv6 address in any of its legal spellings: full, zeros compressed anywhere, mixed case, leading zeros, IPv4 tail. */
const ipv6Text = fc
  .tuple(fc.array(fc.oneof(fc.constant(0), fc.integer({min: 0, max: 0xffff})), {minLength: 8, maxLength: 8}), fc.nat(9), fc.nat(9), fc.boolean(), fc.boolean(), fc.boolean())
  .map(([g, a, b, upper, pad, v4tail]) => {
    let parts = g.map((x) => hexCase(pad ? x.toString(16).padStart(4, '0') : x.toString(16), upper));
    if (v4tail) parts = [...parts.slice(0, 6), `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`];
    const lo = Math.min(a, b) % parts.length;
    const hi = Math.min(Math.max(a, b), parts.length);
    if (hi - lo >= 1 && a !== b) return `${parts.slice(0, lo).join(':')}::${parts.slice(hi).join(':')}`;
    return parts.join(':');
  });

const len = (max) => fc.oneof(fc.integer({min: 0, max}), fc.integer({min: max + 1, max: 999}), fc.constantFrom('', '-1', '08', 'x'));
const prefix4Text = fc.oneof(ipv4Text, fc.tuple(ipv4Text, len(32)).map(([a, l]) => `${a}/${l}`));
const prefix6Text = fc.oneof(ipv6Text, fc.tuple(ipv6Text, len(128)).map(([a, l]) => `${a}/${l}`));
const port = fc.oneof(fc.integer({min: 0, max: 65535}), fc.integer({min: 65536, max: 999999}));
const durationText = fc.oneof(
  fc.nat(10_000_000).map(String),
  fc.tuple(fc.nat(200), fc.nat(70), fc.nat(70), fc.option(fc.nat(999))).map(([h, m, s, ms]) => `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${ms === null ? '' : `.${ms}`}`),
  fc.tuple(fc.nat(70), fc.nat(70)).map(([m, s]) => `${m}:${s}`),
);

/** One character inserted, deleted or replaced somewhere in a string (the typo an operator makes). */
const typo = (arb) =>
  fc.tuple(arb, fc.nat(), fc.constantFrom(...NASTY), fc.constantFrom('insert', 'delete', 'replace')).map(([s, at, c, how]) => {
    const i = s.length ? at % (s.length + 1) : 0;
    if (how === 'insert') return s.slice(0, i) + c + s.slice(i);
    if (how === 'delete') return s.slice(0, i) + s.slice(i + 1);
    return s.slice(0, i) + c + s.slice(i + 1);
  });

/** Well-formed text, typos of it, and anything at all. */
const inputs = (wellFormed) => fc.oneof({weight: 4, arbitrary: wellFormed}, {weight: 4, arbitrary: typo(wellFormed)}, {weight: 1, arbitrary: typo(typo(wellFormed))}, {weight: 1, arbitrary: fc.string({unit: 'binary', maxLength: 60})});

// ---- the property -----------------------------------------------------------------------------------------------

/** A refusal must be the project's InputError (or another XlatError) with a one-line message naming something. */
function assertRefusal(err, input) {
  if (!(err instanceof XlatError)) throw new Error(`${JSON.stringify(input)}: ${err?.constructor?.name} instead of an InputError: ${err?.stack ?? err}`);
  assert.ok(oneLine(err.message).length > 0, `${JSON.stringify(input)}: empty message`);
  assert.equal(err.exitCode, 2, `${JSON.stringify(input)}: refused input must exit 2, not ${err.exitCode}`);
}

/** parse(text) either throws an InputError or gives v with parse(format(v)) == v and format stable. */
function roundTrip(name, arb, parse, format, runs) {
  test(`${name}: parses to a value that formats back to itself, or one Error line`, () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(arb, (text) => {
        let v;
        try {
          v = parse(text);
        } catch (err) {
          assertRefusal(err, text);
          refused++;
          return;
        }
        accepted++;
        const shown = format(v);
        let again;
        try {
          again = parse(shown);
        } catch (err) {
          assert.fail(`${JSON.stringify(text)} parsed, but its canonical form ${JSON.stringify(shown)} is refused: ${err.message}`);
        }
        assert.deepEqual(again, v, `${JSON.stringify(text)} -> ${JSON.stringify(shown)} parses to another value`);
        assert.deepEqual(format(again), shown, `${JSON.stringify(shown)} is not stable`);
      }),
      opts(runs),
    );
    // A generator that never produces a valid (or never an invalid) value would make the property hollow.
    assert.ok(accepted > 0 && refused > 0, `${name}: ${accepted} accepted, ${refused} refused`);
  });
}

roundTrip('IPv4 address', inputs(ipv4Text), parseIPv4, formatIPv4);
roundTrip('IPv6 address', inputs(ipv6Text), parseIPv6, formatIPv6);
roundTrip('IPv4 prefix (bare address allowed)', inputs(prefix4Text), (t) => parsePrefix4(t, {allowBare: true}), formatPrefix4);
roundTrip('IPv6 prefix', inputs(prefix6Text), (t) => parsePrefix6(t), formatPrefix6);
roundTrip('pool6 (or unset)', inputs(fc.oneof(prefix6Text, fc.constantFrom('null', '(unset)', '64:ff9b::/96', '2001:db8::/32', '2001:db8:100::/40'))), parsePool6OrNull, (p) => formatPool6(p) ?? '(unset)');
roundTrip('EAMT prefix of either family', inputs(fc.oneof(prefix4Text, prefix6Text)), parseAnyPrefix, formatAnyPrefix);
roundTrip(
  'EAMT entry',
  fc.tuple(inputs(prefix6Text), inputs(prefix4Text)),
  ([a, b]) => parseEamEntry(a, b),
  (e) => {
    const [p6, p4] = formatEamEntry(e).split(' <-> ');
    return [p6, p4];
  },
);
roundTrip('IPv4 transport address', inputs(fc.tuple(ipv4Text, port).map(([a, p]) => `${a}#${p}`)), (t) => parseTransportAddress(t, 4), (v) => `${formatIPv4(v.addr)}#${v.port}`);
roundTrip('IPv6 transport address', inputs(fc.tuple(ipv6Text, port).map(([a, p]) => `${a}#${p}`)), (t) => parseTransportAddress(t, 6), (v) => `${formatIPv6(v.addr)}#${v.port}`);
roundTrip('port range', inputs(fc.oneof(port.map(String), fc.tuple(port, port).map(([a, b]) => `${a}-${b}`))), parsePortRange, ([a, b]) => `${a}-${b}`);
roundTrip('duration', inputs(durationText), (t) => parseDuration('udp-timeout', t), formatDuration);
for (const key of NAT64_TIMEOUT_KEYS) roundTrip(`NAT64 ${key}`, inputs(durationText), nat64Value(key), formatDuration, 500);
roundTrip('boolean', inputs(fc.constantFrom('true', 'false', 'yes', 'no', 'on', 'off', '1', '0', 'TRUE', ' On ')), (t) => parseBool('k', t), String);
for (const key of NAT64_NUMBER_KEYS) {
  roundTrip(`NAT64 ${key}`, inputs(fc.oneof(fc.nat(70000).map(String), fc.nat(15).map((n) => `0b${n.toString(2)}`), fc.nat(0xffff).map((n) => `0x${n.toString(16)}`))), nat64Value(key), String, 500);
}
roundTrip('pool4 max-iterations', inputs(fc.oneof(fc.constantFrom('auto', 'infinity', 'AUTO'), fc.nat(0xffffffff).map(String))), parseMaxIterations, String);
roundTrip('pool4 mark', inputs(fc.nat(0xffffffff).map(String)), parseMark, String);
roundTrip('interface name', inputs(fc.string({unit: 'grapheme-ascii', minLength: 1, maxLength: 17})), validateIfname, (n) => n);
roundTrip('network namespace name', inputs(fc.string({unit: 'grapheme', minLength: 1, maxLength: 20})), validateNetnsName, (n) => n);

test('accepted interface names are ones the kernel takes (dev_valid_name)', () => {
  fc.assert(
    fc.property(inputs(fc.string({unit: 'grapheme-ascii', minLength: 1, maxLength: 17})), (n) => {
      try {
        validateIfname(n);
      } catch (err) {
        assertRefusal(err, n);
        return;
      }
      assert.ok(Buffer.byteLength(n) >= 1 && Buffer.byteLength(n) <= 15 && !/[/:\s]/.test(n) && n !== '.' && n !== '..', JSON.stringify(n));
    }),
    opts(),
  );
});

// `global update KEY VALUE` of both translators: every key with values of every kind.
const anyGlobalValue = inputs(fc.oneof(durationText, prefix6Text, prefix4Text, fc.nat(70000).map(String), fc.constantFrom('true', 'off', 'null', 'simple', 'intrinsic', '1500,1280', '1500, 1280, 576', '2', '11 (0b1011)')));
roundTrip(
  'SIIT global update',
  fc.tuple(fc.oneof({weight: 9, arbitrary: fc.constantFrom(...SIIT_ALL_GLOBAL_KEYS)}, {weight: 1, arbitrary: fc.string({maxLength: 12})}), anyGlobalValue),
  ([k, v]) => parseSiitGlobalChange(k, v),
  (c) => {
    const view = changeView(c);
    return [c.key, view === null ? 'null' : Array.isArray(view) ? view.join(',') : String(view)];
  },
);
roundTrip(
  'NAT64 global update',
  fc.tuple(fc.oneof({weight: 9, arbitrary: fc.constantFrom(...NAT64_GLOBAL_KEYS)}, {weight: 1, arbitrary: fc.string({maxLength: 12})}), anyGlobalValue),
  ([k, v]) => parseNat64GlobalUpdate(k, v),
  (u) => [u.key, u.value === null ? 'null' : typeof u.value === 'object' ? formatPrefix6(u.value) : typeof u.value === 'number' && NAT64_TIMEOUT_KEYS.includes(u.key) ? formatDuration(u.value) : String(u.value)],
);

// ---- configuration files ----------------------------------------------------------------------------------------

const siitDoc = fc.record(
  {
    instance: fc.oneof(fc.constantFrom('default', 'lab'), fc.string({maxLength: 8})),
    global: fc.dictionary(fc.oneof({weight: 8, arbitrary: fc.constantFrom(...SIIT_ALL_GLOBAL_KEYS)}, {weight: 1, arbitrary: fc.string({maxLength: 8})}), fc.oneof(anyGlobalValue, fc.boolean(), fc.nat(2000), fc.constant(null)), {maxKeys: 4}),
    eamt: fc.array(fc.record({'ipv6 prefix': inputs(prefix6Text), 'ipv4 prefix': inputs(prefix4Text)}), {maxLength: 3}),
    denylist4: fc.array(inputs(prefix4Text), {maxLength: 3}),
    interfaces: fc.array(fc.oneof(fc.constantFrom('eth0', 'veth1'), fc.string({maxLength: 17})), {maxLength: 2}),
    hook: fc.constantFrom('auto', 'xdp', 'tc', 'bogus'),
  },
  {requiredKeys: []},
);
const nat64Doc = fc.record(
  {
    instance: fc.constantFrom('default', 'lab'),
    global: fc.dictionary(fc.oneof({weight: 8, arbitrary: fc.constantFrom(...NAT64_GLOBAL_KEYS)}, {weight: 1, arbitrary: fc.string({maxLength: 8})}), fc.oneof(anyGlobalValue, fc.boolean(), fc.nat(100000), fc.constant(null)), {maxKeys: 4}),
    pool4: fc.array(
      fc.record(
        {
          protocol: fc.constantFrom('TCP', 'UDP', 'ICMP', 'udp', 'SCTP'),
          prefix: inputs(prefix4Text),
          'port range': inputs(fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`)),
          mark: fc.oneof(fc.nat(5), fc.integer({min: -1, max: 2 ** 33})),
          'max-iterations': fc.oneof(fc.constantFrom('auto', 'infinity'), fc.nat(100000)),
        },
        {requiredKeys: ['protocol', 'prefix']},
      ),
      {maxLength: 3},
    ),
    bib: fc.array(fc.record({protocol: fc.constantFrom('TCP', 'UDP', 'ICMP'), 'ipv6 address': inputs(fc.tuple(ipv6Text, port).map(([a, p]) => `${a}#${p}`)), 'ipv4 address': inputs(fc.tuple(ipv4Text, port).map(([a, p]) => `${a}#${p}`))}), {maxLength: 2}),
    interfaces: fc.array(fc.constantFrom('eth0', 'veth1', 'a/b'), {maxLength: 2}),
    capacity: fc.oneof(fc.nat(2_000_000), fc.constant(-3)),
  },
  {requiredKeys: []},
);
/** Random JSON text near a document: cut short, or a document with its text damaged. */
const jsonText = (doc) => fc.oneof({weight: 6, arbitrary: doc.map((d) => JSON.stringify(d))}, {weight: 2, arbitrary: typo(doc.map((d) => JSON.stringify(d)))}, {weight: 1, arbitrary: fc.json()}, {weight: 1, arbitrary: fc.string({maxLength: 30})});

/**
 * The running state a parsed document describes, in the shape `file export` takes: what the file leaves out is
 * what an instance has by default (no name, no interfaces, the default capacity, the hook chosen automatically).
 */
/** `instance add --capacity`'s default. */
const NAT64_DEFAULT_CAPACITY = 65536;
const current = (state) => ({
  ...state,
  name: state.name ?? null,
  interfaces: state.interfaces ?? [],
  hook: 'auto',
  ...('capacity' in state ? {capacity: state.capacity ?? NAT64_DEFAULT_CAPACITY} : {}),
});
/** The state an exported file reads back to, in the same terms. */
const readBack = (state) => ({...state, name: state.name ?? null, interfaces: state.interfaces ?? []});

for (const [type, doc, document] of [['SIIT', siitDoc, siitDocument], ['NAT64', nat64Doc, nat64Document]]) {
  test(`${type} configuration files: applied as a whole (its export reads back the same) or refused in Error lines`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xlat-prop-'));
    let accepted = 0;
    let refused = 0;
    try {
      await fc.assert(
        fc.asyncProperty(jsonText(doc), async (text) => {
          const file = path.join(dir, 'c.json');
          writeFileSync(file, text);
          let parsed;
          try {
            parsed = await readConfig(type, file, false);
          } catch (err) {
            assertRefusal(err, text);
            if (err instanceof ConfigError) for (const p of err.problems) assert.ok(oneLine(p).length > 0 && !/\n/.test(oneLine(p)));
            refused++;
            return;
          }
          accepted++;
          const exported = document(current(parsed.state));
          writeFileSync(file, JSON.stringify(exported));
          let again;
          try {
            again = await readConfig(type, file, false);
          } catch (err) {
            assert.fail(`${text} was accepted but its export ${JSON.stringify(exported)} is refused: ${err.message}`);
          }
          assert.deepEqual(readBack(again.state), current(parsed.state), `${text}: its export reads back differently`);
        }),
        opts(400),
      );
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
    assert.ok(accepted > 0 && refused > 0, `${type}: ${accepted} accepted, ${refused} refused`);
  });
}

// ---- at the CLI edge --------------------------------------------------------------------------------------------

test('refused values at the CLI: exactly one `Error:` line on stderr, exit 2, nothing on stdout', async () => {
  const {spawnSync} = await import('node:child_process');
  const bin = new URL('../../bin/run.js', import.meta.url).pathname;
  const refusedBy = (parse) => (t) => {
    try {
      parse(t);
      return false;
    } catch {
      return true;
    }
  };
  const cases = [
    [inputs(prefix4Text).filter(refusedBy((t) => parsePrefix4(t, {allowBare: true}))), (v) => ['nat64', 'pool4', 'add', '--udp', v, '61001-65535']],
    [inputs(fc.tuple(port, port).map(([a, b]) => `${a}-${b}`)).filter(refusedBy(parsePortRange)), (v) => ['nat64', 'pool4', 'add', '--udp', '192.0.2.1', v]],
    [inputs(prefix6Text).filter(refusedBy(parsePrefix6)), (v) => ['siit', 'eamt', 'add', v, '192.0.2.0/24']],
    [inputs(durationText).filter(refusedBy(nat64Value('udp-timeout'))), (v) => ['nat64', 'global', 'update', 'udp-timeout', v]],
    [inputs(fc.constantFrom('true', 'off')).filter(refusedBy((t) => parseBool('k', t))), (v) => ['siit', 'global', 'update', 'manually-enabled', v]],
    [inputs(fc.tuple(ipv4Text, port).map(([a, p]) => `${a}#${p}`)).filter(refusedBy((t) => parseTransportAddress(t, 4))), (v) => ['nat64', 'bib', 'add', '--udp', '2001:db8::1#53', v]],
  ];
  for (const [arb, argv] of cases) {
    for (const v of fc.sample(arb, {seed: SEED, numRuns: 2})) {
      const r = spawnSync(process.execPath, [bin, ...argv(v)], {encoding: 'utf8'});
      const where = `xlat ${argv(JSON.stringify(v)).join(' ')}`;
      assert.equal(r.status, 2, `${where}: exit ${r.status}, stderr ${r.stderr}`);
      assert.equal(r.stdout, '', `${where}: stdout`);
      assert.match(r.stderr, /^Error: [^\n]+\n$/, `${where}: stderr ${JSON.stringify(r.stderr)}`);
    }
  }
});
