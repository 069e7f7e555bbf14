/** `instance attach` and `instance detach` of either translator: arguments, flags and the work, once. */
import {Args, Flags} from '@oclif/core';
import {validateIfnames} from '../model/names.js';
import type {Translator} from '../instance/all-namespaces.js';

export const attachArgs = {
  ifaces: Args.string({description: 'Interface names.', required: true}),
};

export const attachFlags = {
  hook: Flags.string({
    summary: 'Where to attach the new interfaces: auto, xdp, xdp-generic (SIIT) or tc.',
    options: ['auto', 'xdp', 'xdp-generic', 'tc'] as const,
    default: 'auto',
  }),
};

/** The interface names of the command line, checked. */
export function interfaceNames(names: string[]): string[] {
  return validateIfnames(names);
}

/** Attaches or detaches the running instance. */
export async function changeAttachments(type: Translator, op: 'attach' | 'detach', names: string[], hook: string): Promise<void> {
  const attach = await import('../instance/attach.js');
  if (type === 'SIIT') {
    const siit = await import('../instance/siit/instance.js');
    await siit.withSiitInstance(async (maps, found) => {
      if (op === 'attach') await siit.attachSiitInterfaces(maps, found, names, hook as 'auto');
      else await attach.detachSome(siit.SIIT_SPEC, found, names);
    });
    return;
  }
  const nat64 = await import('../instance/nat64/instance.js');
  await nat64.withNat64Instance(async (_maps, _cfg, found) => {
    if (op === 'attach') await nat64.attachNat64Interfaces(found, names, hook as 'auto');
    else await nat64.detachNat64Interfaces(found, names);
  });
}
