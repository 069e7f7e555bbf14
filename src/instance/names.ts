/**
 * Jool-style instance names (`jool -i NAME`, a file's "instance"): one
 * instance of each translator per namespace here, so a name is recorded with
 * it (src/instance/meta.ts), shown, and checked: naming another instance is an
 * error. An instance created without a name answers to Jool's "default".
 */
import {NotFoundError} from '../errors.js';
import {readMeta, writeMeta} from './meta.js';

export type Translator = 'SIIT' | 'NAT64';

/** Whether the namespace has the instance, and its recorded name. */
async function instanceName(type: Translator): Promise<{exists: boolean; name: string | null}> {
  if (type === 'SIIT') {
    const siit = await import('./siit/instance.js');
    if (!(await siit.findSiitInstance())) return {exists: false, name: null};
    return siit.withSiitInstance((maps) => ({exists: true, name: readMeta(maps.meta).name}));
  }
  const nat64 = await import('./nat64/instance.js');
  if (!(await nat64.findNat64Instance())) return {exists: false, name: null};
  return nat64.withNat64Instance((maps) => ({exists: true, name: readMeta(maps.meta).name}));
}

/** Throws unless the namespace's instance (when there is one) answers to `wanted`. */
export async function requireInstanceName(type: Translator, wanted: string): Promise<void> {
  const {exists, name} = await instanceName(type);
  if (exists && (name ?? 'default') !== wanted) {
    throw new NotFoundError(`this namespace has no ${type} instance named '${wanted}': its instance is '${name ?? 'default'}' (one instance per namespace)`);
  }
}

/** Records the name of the namespace's instance. */
export async function recordInstanceName(type: Translator, name: string): Promise<void> {
  if (type === 'SIIT') {
    const siit = await import('./siit/instance.js');
    await siit.withSiitInstance((maps, found) =>
      writeMeta(
        maps.meta,
        found.attachments.map((a) => a.progId),
        {name},
      ),
    );
    return;
  }
  const nat64 = await import('./nat64/instance.js');
  await nat64.withNat64Instance((maps, _cfg, found) =>
    writeMeta(
      maps.meta,
      found.attachments.map((a) => a.progId),
      {name},
    ),
  );
}
