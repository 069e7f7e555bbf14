/** `instance upgrade` of either translator: its help text and the work, once (src/instance/upgrade.ts does it). */
import type {UpgradeResult} from '../instance/upgrade.js';

export const upgradeDescription = (label: 'SIIT' | 'NAT64', what: string): string =>
  `Loads this xlat's programs (after installing a new version of it) on the running ${label} instance's maps, so that they keep ${what}, and swaps every attachment to them in one kernel operation each (tc BPF_TC_F_REPLACE, then XDP_FLAGS_REPLACE): packets keep being translated throughout and established flows go on. Refused in one line, changing nothing, when the new build's map layout ('xlat --version') differs from the instance's: replace the instance then ('instance remove', 'instance add'). Prints one line per interface and hook with the program ids before and after. Exit 3 if the namespace has no ${label} instance.`;

/** Does the upgrade; returns the result and the lines to print. */
export async function upgrade(type: 'SIIT' | 'NAT64', verbose: boolean): Promise<{result: UpgradeResult; lines: string[]}> {
  const {upgradeInstance} = await import('../instance/upgrade.js');
  let result: UpgradeResult;
  if (type === 'SIIT') {
    const [siit, L] = await Promise.all([import('../instance/siit/instance.js'), import('../instance/layout.js')]);
    result = await upgradeInstance('siit', siit.SIIT_SPEC, L.SIIT_MAP_CONFIG, verbose);
  } else {
    const [nat64, L] = await Promise.all([import('../instance/nat64/instance.js'), import('../instance/nat64/layout.js')]);
    result = await upgradeInstance('nat64', nat64.NAT64_SPEC, L.NAT64_MAP_CONFIG, verbose);
  }
  const lines = result.attachments.map((a) => `${a.name}: ${a.hook} program ${a.from} -> ${a.to}`);
  lines.push(`${result.kept.length} maps kept with their entries (map layout ${result.layout})`);
  return {result, lines};
}
