/**
 * This package's BPF objects and the map layout version each carries.
 *
 * A layout version (bpf/abi/siit.h, bpf/abi/nat64.h: enum xlat_siit_layout, enum xlat_nat64_layout) covers everything a translator's
 * maps hold. It exists once, in C: it is the type of the config struct's first member, so it reaches the object's
 * BTF, and this module reads it from there. The CLI writes it into the config map of every instance it creates;
 * an instance whose config map carries another number was made by another xlat and is refused
 * (LayoutMismatchError) before anything is read or written.
 */
import {fileURLToPath} from 'node:url';
import {LayoutMismatchError} from '../errors.js';
import {readObjectEnum} from '../bpf/elf-btf.js';

export type Translator = 'siit' | 'nat64';

const LAYOUT_ENUM: Record<Translator, {enumName: string; constant: string; label: string}> = {
  siit: {enumName: 'xlat_siit_layout', constant: 'XLAT_SIIT_CONFIG_VERSION', label: 'SIIT'},
  nat64: {enumName: 'xlat_nat64_layout', constant: 'XLAT_NAT64_CONFIG_VERSION', label: 'NAT64'},
};

const OVERRIDE: Record<Translator, string> = {siit: 'XLAT_SIIT_OBJECT', nat64: 'XLAT_NAT64_OBJECT'};

/** build/bpf/<translator>.bpf.o of this package (XLAT_SIIT_OBJECT / XLAT_NAT64_OBJECT override it, for tests). */
export function objectPath(t: Translator): string {
  return process.env[OVERRIDE[t]] || fileURLToPath(new URL(`../../build/bpf/${t}.bpf.o`, import.meta.url));
}

const cache = new Map<string, number>();

/** The map layout version of a translator's object (read once per path). */
export function layoutVersion(t: Translator, path: string = objectPath(t)): number {
  const key = `${t}:${path}`;
  let v = cache.get(key);
  if (v === undefined) {
    const {enumName, constant} = LAYOUT_ENUM[t];
    v = readObjectEnum(path, enumName)[constant];
    if (v === undefined) throw new Error(`enum ${enumName} of ${path} has no ${constant}`);
    cache.set(key, v);
  }
  return v;
}

/** Throws the one-line LayoutMismatchError unless the instance's layout (its config's version) is this xlat's. */
export function checkLayout(t: Translator, instanceLayout: number): void {
  const own = layoutVersion(t);
  if (instanceLayout !== own) throw new LayoutMismatchError(LAYOUT_ENUM[t].label, instanceLayout, own);
}
