import {readFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {XlatCommand} from '../../cli/base-command.js';

export default class ConfigSchema extends XlatCommand<typeof ConfigSchema> {
  static override summary = 'Print the JSON Schema of configuration files (or of the --json output).';

  static override description = `The schema (draft 2020-12) 'file handle' validates files against: schema/config.schema.json in the package. Point an editor at it (or put "$schema" in the file) for completion and checks while writing. --output prints schema/output.schema.json instead: the contract of every command's --json output.`;

  static override examples = ['<%= config.bin %> <%= command.id %> > xlat-config.schema.json', '<%= config.bin %> <%= command.id %> --output'];

  static override flags = {
    output: Flags.boolean({summary: 'The schema of the --json output instead.', default: false}),
  };

  public async run(): Promise<{schema: Record<string, unknown>}> {
    const file = this.flags.output ? 'output.schema.json' : 'config.schema.json';
    const schema = JSON.parse(readFileSync(new URL(`../../../schema/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
    this.log(JSON.stringify(schema, null, 2));
    return {schema};
  }
}
