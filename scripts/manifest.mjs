// Writes oclif.manifest.json from the compiled commands (what `oclif manifest` does, without its heavy toolchain).
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Plugin} from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true});
await plugin.load();
// Commands are found in whatever order the file system and module loading give; sort them so that the
// committed manifest only changes when a command does.
const manifest = {
  ...plugin.manifest,
  commands: Object.fromEntries(Object.entries(plugin.manifest.commands).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(manifest, null, 2) + '\n');
console.log(`wrote oclif.manifest.json (${Object.keys(manifest.commands).length} commands)`);
