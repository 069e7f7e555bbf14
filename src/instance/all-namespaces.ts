/**
 * Instances of every named network namespace (/run/netns) and of the current
 * one, as Jool's `instance display` lists them; for `--all-namespaces` and
 * the metrics endpoint. Visits each namespace on the main thread and comes
 * back (src/sys/netns.ts inNetns).
 */
import type {Nat64Instance} from './nat64/instance.js';
import type {SiitInstance} from './siit/instance.js';
import {currentNetnsId, inNetns, namedNetns} from '../sys/netns.js';

export type Translator = 'SIIT' | 'NAT64';

export type AnyInstance = SiitInstance | Nat64Instance;

/** The instance of one kind in the current namespace, or null. */
async function findHere(type: Translator): Promise<AnyInstance | null> {
  if (type === 'SIIT') return (await import('./siit/instance.js')).findSiitInstance();
  return (await import('./nat64/instance.js')).findNat64Instance();
}

/**
 * Runs fn in the current namespace, then in every named namespace that is
 * not the current one; returns the results with the namespace's name. A
 * namespace that cannot be entered (deleted meanwhile) is skipped.
 */
export async function forEachNamespace<T>(fn: (netns: string | null) => Promise<T>, all: boolean): Promise<{netns: string | null; value: T}[]> {
  const out: {netns: string | null; value: T}[] = [{netns: null, value: await fn(null)}];
  if (!all) return out;
  const here = currentNetnsId();
  for (const name of namedNetns()) {
    try {
      const r = await inNetns(name, async () => (currentNetnsId() === here ? null : {value: await fn(name)}));
      if (r) out.push({netns: name, value: r.value});
    } catch (err) {
      if ((err as Error).message.includes('returning to the original network namespace')) throw err;
    }
  }
  return out;
}

/** The instances of one kind, here or (all) everywhere. */
export async function findInstances(type: Translator, all: boolean): Promise<AnyInstance[]> {
  const found = await forEachNamespace(() => findHere(type), all);
  return found.map((f) => f.value).filter((v): v is AnyInstance => v !== null);
}
