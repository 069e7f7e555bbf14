import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {changeView, parseSiitGlobalChange, SIIT_ALL_GLOBAL_KEYS, type SiitGlobalsView} from '../../../model/siit-config.js';

export interface GlobalUpdateResult {
  key: string;
  value: boolean | number | number[] | string | null;
  global: SiitGlobalsView;
}

export default class SiitGlobalUpdate extends XlatCommand<typeof SiitGlobalUpdate> {
  static override summary = "Change one of the SIIT instance's global values.";

  static override description = `KEY and VALUE are one of (booleans: true/false, yes/no, on/off or 1/0; an unset prefix: null or (unset)):

  manually-enabled BOOL               translate (true) or pass everything untouched (false)
  pool6 PREFIX|null                   RFC 6052 prefix (/32, /40, /48, /56, /64 or /96; u-octet and host bits zero)
  lowest-ipv6-mtu N                   smallest MTU of the IPv6 side, 1280-65535 (default 1280)
  zeroize-traffic-class BOOL          IPv4 -> IPv6: traffic class 0 instead of the IPv4 TOS (default false)
  override-tos BOOL                   IPv6 -> IPv4: TOS from 'tos' instead of the traffic class (default false)
  tos N                               the TOS override-tos writes, 0-255 (default 0)
  mtu-plateaus N,N,...                MTUs (68-65535, at most 16) to guess from when an ICMPv4 error says MTU 0
                                      (stored sorted descending; default 65535,32000,17914,8166,4352,2002,1492,1006,508,296,68)
  amend-udp-checksum-zero BOOL        IPv4 -> IPv6: compute the checksum of UDP datagrams that carry 0, instead of dropping them (default false)
  eam-hairpin-mode off|simple|intrinsic   EAMT hairpinning, RFC 7757 section 4.2 (default intrinsic)
  randomize-rfc6791-addresses BOOL    pick a random (true) or the first (false) address of rfc6791v4-prefix (default true)
  rfc6791v4-prefix PREFIX|null        IPv4 source of ICMPv6 errors whose source cannot be translated (a bare address is a /32)
  rfc6791v6-prefix PREFIX|null        IPv6 source of ICMPv4 errors whose source cannot be translated (a bare address is a /128)

Invalid values change nothing. The change applies to the running translator at once.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> pool6 64:ff9b::/96',
    '<%= config.bin %> <%= command.id %> lowest-ipv6-mtu 1500',
    '<%= config.bin %> <%= command.id %> mtu-plateaus 9000,1500,1280',
    '<%= config.bin %> <%= command.id %> rfc6791v4-prefix 203.0.113.8',
    {description: 'Pause translation:', command: '<%= config.bin %> <%= command.id %> manually-enabled false'},
  ];

  static override args = {
    key: Args.string({description: `Global to change: ${SIIT_ALL_GLOBAL_KEYS.join(', ')}.`, required: true}),
    value: Args.string({description: 'Its new value.', required: true}),
  };

  static override writes = true;

  public async run(): Promise<GlobalUpdateResult> {
    const change = parseSiitGlobalChange(this.args.key, this.args.value);
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const {before, after} = await tables.updateSiitGlobal(change);
    this.changed = JSON.stringify(before[change.key]) !== JSON.stringify(after[change.key]);
    return {key: change.key, value: changeView(change), global: after};
  }
}
