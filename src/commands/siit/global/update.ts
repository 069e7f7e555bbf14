import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {formatPool6, pool6ToBuffer} from '../../../model/pool6.js';
import {parseSiitGlobalUpdate, SIIT_GLOBAL_KEYS} from '../../../model/siit-globals.js';

export interface GlobalUpdateResult {
  key: string;
  value: boolean | string | null;
}

export default class SiitGlobalUpdate extends XlatCommand<typeof SiitGlobalUpdate> {
  static override summary = "Change one of the SIIT instance's global values.";

  static override description = `KEY and VALUE are one of:

  manually-enabled true|false  turn translation on or off (instance stays)
  pool6 PREFIX|null            set the RFC 6052 prefix, or unset it with null

A pool6 prefix must have length 32, 40, 48, 56, 64 or 96, zero host bits and zero bits 64-71 (the u-octet). The change applies to the running translator at once.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> pool6 64:ff9b::/96',
    '<%= config.bin %> <%= command.id %> pool6 null',
    {description: 'Pause translation:', command: '<%= config.bin %> <%= command.id %> manually-enabled false'},
  ];

  static override args = {
    key: Args.string({description: `Global to change: ${SIIT_GLOBAL_KEYS.join(' or ')}.`, required: true}),
    value: Args.string({description: 'Its new value.', required: true}),
  };

  public async run(): Promise<GlobalUpdateResult> {
    const update = parseSiitGlobalUpdate(this.args.key, this.args.value);
    const siit = await this.siit();
    if (update.key === 'pool6') {
      await siit.updateSiitPool6(pool6ToBuffer(update.value));
      return {key: update.key, value: formatPool6(update.value)};
    }
    await siit.updateSiitEnabled(update.value);
    return {key: update.key, value: update.value};
  }
}
