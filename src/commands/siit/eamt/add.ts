import {readFileSync} from 'node:fs';
import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {InputError, describeSystemError} from '../../../errors.js';
import {eamView, parseEamEntry, parseEamFile, type EamEntry, type EamView} from '../../../model/siit-eamt.js';

export default class SiitEamtAdd extends XlatCommand<typeof SiitEamtAdd> {
  static override summary = 'Add an entry (or a file of entries) to the EAMT (RFC 7757).';

  static override description = `An EAMT entry maps an IPv6 prefix to an IPv4 prefix and back; give them in either order. A bare address is a /128 or /32. Host bits must be zero, and the IPv4 suffix must fit the IPv6 one: 32 - IPv4 length <= 128 - IPv6 length. The IPv4 suffix goes right after the IPv6 prefix (2001:db8::/120 <-> 192.0.2.0/24 maps 192.0.2.7 to 2001:db8::7). IPv4 prefixes in blocks that are never translated (0/8, 127/8, 169.254/16, 224/4, 240/4) are refused.

The EAMT is consulted before pool6, in both directions. An entry whose IPv6 or IPv4 prefix overlaps an existing entry's is refused unless --force (exit 4); then the longest matching prefix wins. An entry with exactly the same IPv6 or IPv4 prefix as another is always refused (remove that one first).

--file FILE adds many entries at once ('-' reads standard input): one "PREFIX PREFIX" pair per line, separated by blanks or a comma ('#' starts a comment; the output of 'eamt display --csv' is accepted). Every line is checked, against the table and the other lines, before anything is written; an error names its line; the whole file is added or nothing is.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> 2001:db8:6::/120 192.0.2.0/24',
    '<%= config.bin %> <%= command.id %> 198.51.100.0/24 2001:db8:7::/120',
    {description: 'Add a /32 inside an existing /24 entry:', command: '<%= config.bin %> <%= command.id %> 2001:db8:8::1 192.0.2.1 --force'},
    {description: 'Add many entries in one go:', command: '<%= config.bin %> <%= command.id %> --file eamt.txt'},
    {description: 'From another instance:', command: '<%= config.bin %> -n red siit eamt display --csv | <%= config.bin %> -n blue <%= command.id %> --file -'},
  ];

  static override writes = true;

  static override args = {
    prefix1: Args.string({description: 'IPv6 or IPv4 prefix.', required: false}),
    prefix2: Args.string({description: "The other family's prefix.", required: false}),
  };

  static override flags = {
    force: Flags.boolean({summary: 'Add even if the prefixes overlap an existing entry (the longest prefix then wins).', default: false}),
    file: Flags.string({summary: 'Add every "PREFIX PREFIX" line of FILE (\'-\': standard input), all or nothing.', helpValue: 'FILE'}),
  };

  public async run(): Promise<{added: EamView[]; total: number}> {
    const {prefix1, prefix2} = this.args;
    let entries: EamEntry[];
    if (this.flags.file !== undefined) {
      if (prefix1 !== undefined) throw new InputError('give either --file or two prefixes, not both');
      const name = this.flags.file === '-' ? 'standard input' : this.flags.file;
      let text: string;
      try {
        text = readFileSync(this.flags.file === '-' ? 0 : this.flags.file, 'utf8');
      } catch (err) {
        throw new InputError(`cannot read ${name}: ${describeSystemError(err)}`);
      }
      entries = parseEamFile(text, name);
    } else {
      if (prefix1 === undefined || prefix2 === undefined) {
        throw new InputError('missing required arguments: an IPv6 prefix and an IPv4 prefix (or --file FILE)');
      }
      entries = [parseEamEntry(prefix1, prefix2)];
    }
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const r = await tables.addEamt(entries, this.flags.force);
    if (this.flags.file !== undefined) this.log(`Added ${r.added} EAMT entries (the table now holds ${r.total}).`);
    return {added: entries.map(eamView), total: r.total};
  }
}
