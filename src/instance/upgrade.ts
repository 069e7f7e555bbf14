/**
 * `instance upgrade`, for both translators: the newly built programs take over
 * a running instance's maps (configuration, tables, BIB, sessions, counters)
 * and then its attachments, each swapped in one kernel operation (cls_bpf
 * BPF_TC_F_REPLACE, XDP_FLAGS_REPLACE), so that no packet finds the interface
 * without a program and no entry is copied or lost.
 *
 * Maps are kept only within one layout version (src/instance/objects.ts): the
 * layout is the contract between the maps' contents and the programs reading
 * them. Another layout is refused before anything is loaded.
 *
 * Order, and what a kill -9 at each step leaves (test/faults/kill9.test.mjs):
 * the new object is loaded on the live maps (killed: the new programs die with
 * the process, nothing changed); then every tc program is swapped, then every
 * XDP program (killed between two swaps: some interfaces run the new programs,
 * some the old ones, all on the same maps, so both translate; `upgrade` again
 * finishes the job). tc goes first so that an XDP program never hands packets
 * to a tc slow path older than itself.
 */
import {libbpf} from '../ffi/libbpf.js';
import {check} from '../bpf/fail.js';
import {BpfMap} from '../bpf/map.js';
import {openAndLoad, type BpfObject} from '../bpf/object.js';
import {closeFd, progFdById} from '../bpf/prog.js';
import * as xdp from '../bpf/xdp.js';
import * as tc from '../bpf/tc.js';
import {NoInstanceError, XlatError} from '../errors.js';
import {faultPoint} from '../sys/fault.js';
import {currentNetnsName} from '../sys/netns.js';
import {discover, openMapsById, type Attachment, type ProgramSpec} from './attach.js';
import {META_MAP} from './meta.js';
import {layoutVersion, objectPath, type Translator} from './objects.js';
import {synDelayAttachment} from './nat64/syn-delay.js';

export interface UpgradedAttachment {
  name: string;
  hook: 'xdp' | 'tc';
  /** Program ids before and after. */
  from: number;
  to: number;
}

export interface UpgradeResult {
  netns: string;
  type: 'SIIT' | 'NAT64';
  layout: number;
  object: string;
  attachments: UpgradedAttachment[];
  /** Maps the new programs took over, with their entries. */
  kept: string[];
  /** Maps of the new object the instance did not have (per-CPU scratch space): created empty. */
  created: string[];
}

/** The layout version a config map records (its first member, bpf/abi/). */
const recordedLayout = (config: BpfMap): number => config.lookup(Buffer.alloc(4))?.readUInt32LE(0) ?? 0;

/** Swaps attachment a (running program a.progId) to the program progFd; returns the program id now attached. */
async function swapOne(spec: ProgramSpec, a: Attachment, progFd: number): Promise<number> {
  faultPoint(`replace ${a.hook} on ${a.name}`);
  if (a.hook === 'tc') return tc.replace(a.ifindex, progFd, spec.tcHandle, spec.tcPrio, a.name);
  const old = await progFdById(a.progId);
  try {
    await xdp.replace(a.ifindex, progFd, a.mode === 'native' ? 'native' : 'generic', old, a.name);
  } finally {
    await closeFd(old);
  }
  return (await xdp.query(a.ifindex)).progId;
}

/** Puts the old programs back where the swap got to (best effort: the error that stopped it is what is reported). */
async function swapBack(spec: ProgramSpec, done: {a: Attachment; to: number}[]): Promise<void> {
  for (const {a, to} of done.reverse()) {
    try {
      const old = await progFdById(a.progId);
      try {
        await swapOne(spec, {...a, progId: to}, old);
      } finally {
        await closeFd(old);
      }
    } catch {
      // the interface went away meanwhile, or the old program with it
    }
  }
}

/** Binds the instance's name record to the new programs, so that it lives as long as they do (src/instance/meta.ts). */
async function bindMeta(obj: BpfObject, spec: ProgramSpec, meta: BpfMap | undefined): Promise<void> {
  if (!meta) return;
  const lib = await libbpf();
  for (const p of [spec.tcProg, spec.xdpProg]) check(lib, lib.bpf_prog_bind_map(obj.programFd(p), meta.fd), `binding ${META_MAP} to the new ${p}`);
}

/**
 * Loads this package's object for translator t on the running instance's maps and swaps every attachment to it.
 * configMap: the name of the translator's config map (its layout version is checked against the object's).
 */
export async function upgradeInstance(t: Translator, spec: ProgramSpec, configMap: string, verbose = false): Promise<UpgradeResult> {
  const found = await discover(spec);
  if (!found) throw new NoInstanceError(spec.label);
  // NAT64's delay line for held SYNs runs the tc program too, on an interface discover() leaves out.
  const delay = t === 'nat64' ? await synDelayAttachment(spec) : null;
  const hidden: Attachment[] = delay ? [{...delay, hook: 'tc', mode: 'clsact-ingress', reason: 'held-SYN delay line'}] : [];
  const path = objectPath(t);
  const own = layoutVersion(t, path);
  const live = await openMapsById(found.mapIds);
  try {
    const config = live.get(configMap);
    if (!config) throw new XlatError(`the ${spec.label} instance has no map ${configMap}: remove it and add it again`);
    const theirs = recordedLayout(config);
    if (theirs !== own) {
      throw new XlatError(
        `the ${spec.label} instance has map layout ${theirs} and the new build ${own}: upgrade keeps maps within one layout ` +
          `and has no migration from ${theirs} to ${own}; nothing was changed (replace the instance instead: 'xlat ${t} instance remove', then 'add', losing its state)`,
      );
    }
    const obj = await openAndLoad(path, {verbose, reuse: live});
    try {
      await bindMeta(obj, spec, live.get(META_MAP));
      const order = [...found.attachments.filter((a) => a.hook === 'tc'), ...hidden, ...found.attachments.filter((a) => a.hook === 'xdp')];
      const done: {a: Attachment; to: number}[] = [];
      try {
        for (const a of order) done.push({a, to: await swapOne(spec, a, obj.programFd(a.hook === 'tc' ? spec.tcProg : spec.xdpProg))});
      } catch (err) {
        await swapBack(spec, done);
        throw err;
      }
      return {
        netns: currentNetnsName(),
        type: spec.label === 'SIIT' ? 'SIIT' : 'NAT64',
        layout: own,
        object: path,
        attachments: done.map(({a, to}) => ({name: a.name, hook: a.hook, from: a.progId, to})),
        kept: [...obj.reused],
        created: [...obj.created],
      };
    } finally {
      obj.close();
    }
  } finally {
    for (const m of live.values()) m.close();
  }
}
