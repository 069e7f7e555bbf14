import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {NAT64_GLOBAL_KEYS, belowRfcMinimum, parseNat64GlobalUpdate, type Nat64Globals} from '../../../model/nat64-globals.js';

export default class Nat64GlobalUpdate extends XlatCommand<typeof Nat64GlobalUpdate> {
  static override summary = "Change one of the NAT64 instance's global values.";

  static override description = `KEY and VALUE are one of:

  pool6 PREFIX|null                          the RFC 6052 prefix (/32 ... /96); null: translate nothing
  manually-enabled true|false                translate, or pass everything untouched
  address-dependent-filtering true|false     IPv4 packets need a session with their source address (default false)
  drop-externally-initiated-tcp true|false   refuse TCP connections opened from IPv4 (default false)
  drop-icmpv6-info true|false                drop ICMPv6 informational messages other than echo (default false)
  source-icmpv6-errors-better true|false     ICMPv6 errors from IPv4 take pool6 + the outer IPv4 source (default true)
  handle-rst-during-fin-rcv true|false       an RST in a FIN_RCV state moves the session to TRANS (default false)
  cluster-steering true|false                several nodes behind ECMP: a deterministic subscriber whose pool4 address routes to
                                             another node is sent there; TCP without state is picked up (default false)
  zeroize-traffic-class true|false           IPv4 -> IPv6: traffic class 0 (default false)
  override-tos true|false                    IPv6 -> IPv4: TOS from the tos global (default false)
  tos 0-255                                  the TOS written with override-tos (default 0)
  lowest-ipv6-mtu 1280-65535                 (default 1280)
  f-args 0-15 | 0bXXXX                      RFC 6056 hash inputs: 8 source address, 4 source port, 2 destination address, 1 destination port (default 0b1011)
  maximum-simultaneous-opens 1-1000000       held externally initiated SYNs at once (default 10)
  udp-timeout DURATION                       UDP session lifetime, at least 2 minutes (default 5 minutes)
  tcp-est-timeout DURATION                   established TCP session lifetime, at least 2 hours (default 2 hours)
  tcp-trans-timeout DURATION                 transitory TCP session lifetime, at least 4 minutes (default 4 minutes)
  icmp-timeout DURATION                      ICMP query session lifetime, at least 1 second (default 1 minute)

Booleans: true/false, yes/no, on/off or 1/0, in any case. DURATION: seconds, or [[HH:]MM:]SS[.mmm] as Jool writes it (a fraction of a second is rounded up). What 'global display' prints is accepted back. A bad key or value changes nothing. --force accepts timeouts below RFC 6146's minimums (down to 1 second), with a warning: for labs and tests, never for users' traffic. New values apply to the running translator at once (timeouts from the next packet of each session).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> icmp-timeout 10',
    '<%= config.bin %> <%= command.id %> udp-timeout 0:10:00',
    '<%= config.bin %> <%= command.id %> address-dependent-filtering true',
  ];

  static override flags = {
    force: Flags.boolean({summary: "Accept a timeout below RFC 6146's minimum (labs and tests).", default: false}),
  };

  static override args = {
    key: Args.string({description: `Global to change: ${NAT64_GLOBAL_KEYS.join(', ')}.`, required: true}),
    value: Args.string({description: 'Its new value.', required: true}),
  };

  static override writes = true;

  public async run(): Promise<{key: string; value: Nat64Globals[keyof Nat64Globals]; global: Nat64Globals}> {
    const update = parseNat64GlobalUpdate(this.args.key, this.args.value, {force: this.flags.force});
    if (belowRfcMinimum(update)) this.warning(`${update.key} ${this.args.value} is below RFC 6146's minimum: for labs and tests only`);
    const nat64 = await this.nat64();
    const {before, after} = await nat64.updateNat64Global(update);
    this.changed = before[update.key] !== after[update.key];
    if (update.key === 'pool6' && update.value === null) this.warning('pool6 is unset: this NAT64 translates nothing until it is set again');
    return {key: update.key, value: after[update.key], global: after};
  }
}
