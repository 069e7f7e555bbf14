// Jool 4 and Jool 3 command lines in xlat's words (src/jool/translate.ts).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {isJool3, translateJool} from '../../dist/jool/translate.js';

const nat64 = (...argv) => translateJool('NAT64', argv).commands;
const siit = (...argv) => translateJool('SIIT', argv).commands;

test('Jool 3: the seed\'s lines', () => {
  assert.deepEqual(nat64('--instance', '--add'), [['nat64', 'instance', 'add']]);
  assert.deepEqual(nat64('--pool6', '--add', '2001:db8:64::/96'), [['nat64', 'global', 'update', 'pool6', '2001:db8:64::/96']]);
  assert.deepEqual(nat64('--pool6'), [['nat64', 'pool6', 'display']]);
  assert.deepEqual(nat64('--session', '--icmp', '--numeric'), [['nat64', 'session', 'display', '--icmp', '--numeric']]);
  assert.deepEqual(nat64('--bib'), [['nat64', 'bib', 'display', '--tcp'], ['nat64', 'bib', 'display', '--udp'], ['nat64', 'bib', 'display', '--icmp']]);
  assert.deepEqual(nat64('--instance', '--remove'), [['nat64', 'instance', 'remove']]);
});

test('Jool 3: pool4 per protocol, globals as flags', () => {
  assert.deepEqual(nat64('--pool4', '--add', '--tcp', '--udp', '192.0.2.1', '1000-2000'), [
    ['nat64', 'pool4', 'add', '--tcp', '192.0.2.1', '1000-2000'],
    ['nat64', 'pool4', 'add', '--udp', '192.0.2.1', '1000-2000'],
  ]);
  const all = translateJool('NAT64', ['--pool4', '--add', '192.0.2.1']);
  assert.equal(all.commands.length, 3);
  assert.match(all.notes[0], /61001-65535/);
  assert.deepEqual(nat64(), [['nat64', 'global', 'display']]);
  assert.deepEqual(nat64('--address-dependent-filtering', 'true', '--disable'), [
    ['nat64', 'global', 'update', 'address-dependent-filtering', 'true'],
    ['nat64', 'global', 'update', 'manually-enabled', 'false'],
  ]);
  assert.deepEqual(siit('--mtu-plateaus', '6000, 5000, 1280'), [['siit', 'global', 'update', 'mtu-plateaus', '6000,5000,1280']]);
  assert.deepEqual(siit('--eamt', '--add', '192.0.2.0/24', '2001:db8::/120'), [['siit', 'eamt', 'add', '192.0.2.0/24', '2001:db8::/120']]);
  assert.throws(() => nat64('--pool6791', '--add', '192.0.2.0/24'), /not supported/);
});

test('Jool 4: modes, operations, abbreviations, -i NAME, instance add NAME', () => {
  assert.deepEqual(nat64('-i', 'alpha', 'g', 'u', 'tos', '1'), [['nat64', 'global', 'update', 'tos', '1', '--instance-name', 'alpha']]);
  assert.deepEqual(nat64('instance', 'add', 'alpha', '--iptables', '--pool6', '64:ff9b::/96'), [['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96', '--instance-name', 'alpha']]);
  assert.deepEqual(nat64('instance', 'flush'), [['nat64', 'instance', 'remove', '--if-exists']]);
  assert.deepEqual(nat64('instance', 'display'), [['nat64', 'instance', 'display', '--all-namespaces']]);
  assert.deepEqual(nat64('pool4', 'add', '192.0.2.2', '1-3000', '--tcp'), [['nat64', 'pool4', 'add', '192.0.2.2', '1-3000', '--tcp']]);
  assert.deepEqual(nat64('bib', 'add', '192.0.2.2#2000', '2001:db8::5#2000', '--tcp'), [['nat64', 'bib', 'add', '192.0.2.2#2000', '2001:db8::5#2000', '--tcp']]);
  assert.deepEqual(nat64('file', 'handle', 'x.json'), [['nat64', 'file', 'handle', 'x.json']]);
  assert.deepEqual(siit('s', 'd'), [['siit', 'stats', 'display']]);
  assert.deepEqual(siit('blacklist4', 'add', '192.0.2.0/24'), [['siit', 'denylist4', 'add', '192.0.2.0/24']]);
  assert.throws(() => nat64('s', 'd'), /ambiguous mode 's': it may be stats, session/);
  assert.throws(() => nat64('eamt', 'display'), /unexpected mode 'eamt'/);
  assert.ok(isJool3(['--instance', '--add']) && !isJool3(['--instance', 'alpha', 'global', 'display']) && !isJool3(['instance', 'add']));
});
