import {XlatCommand} from '../../../cli/base-command.js';
import {NoInstanceError} from '../../../errors.js';

export default class SiitFileExport extends XlatCommand<typeof SiitFileExport> {
  static override summary = "Print the SIIT instance's running configuration as a configuration file.";

  static override description = `The file 'siit file handle' takes: every global, the EAMT, denylist4, the instance name when one is recorded, the interfaces and the hook. Applying it again changes nothing. With --json: {"config": {...}}. Exit 3 when the namespace has no SIIT instance.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> > siit.json',
    '<%= config.bin %> -n red <%= command.id %> | <%= config.bin %> -n blue siit file handle -',
  ];

  public async run(): Promise<{config: Record<string, unknown>}> {
    await this.enterKernel();
    const [{readSiitCurrent}, {siitDocument}] = await Promise.all([import('../../../instance/siit/apply.js'), import('../../../config/document.js')]);
    const current = await readSiitCurrent();
    if (!current) throw new NoInstanceError('SIIT');
    const config = siitDocument(current);
    this.log(JSON.stringify(config, null, 2));
    return {config};
  }
}
