import {Args} from '@oclif/core';
import {XlatCommand} from '../cli/base-command.js';
import {packageTree} from '../cli/command-tree.js';
import {bashCompletion, zshCompletion} from '../cli/completion.js';

export default class Completion extends XlatCommand<typeof Completion> {
  static override summary = 'Print a shell completion script (bash or zsh).';

  static override description = `Completes command words, each command's flags, namespace names after -n and files after 'file handle'. Load it in the current shell, or install it for every shell:

  bash:  source <(xlat completion bash)       or  xlat completion bash > /etc/bash_completion.d/xlat
  zsh:   source <(xlat completion zsh)        or  xlat completion zsh > "\${fpath[1]}/_xlat"`;

  static override examples = ['source <(<%= config.bin %> <%= command.id %> bash)', '<%= config.bin %> <%= command.id %> zsh > "${fpath[1]}/_xlat"'];

  static override args = {
    shell: Args.string({description: 'bash or zsh.', required: true, options: ['bash', 'zsh']}),
  };

  public async run(): Promise<{shell: string; script: string}> {
    const tree = packageTree();
    const script = this.args.shell === 'zsh' ? zshCompletion(tree, this.config.bin) : bashCompletion(tree, this.config.bin);
    if (!this.jsonEnabled()) process.stdout.write(script);
    return {shell: this.args.shell, script};
  }
}
