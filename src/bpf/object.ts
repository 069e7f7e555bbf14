/** Opening and loading a BPF object file, with libbpf's log on failure. */
import {libbpf, LIBBPF_DEBUG, LIBBPF_INFO, type BpfObjectPtr, type Libbpf} from '../ffi/libbpf.js';
import {SystemError, XlatError} from '../errors.js';
import {describe, errnoName} from './fail.js';
import {BpfMap} from './map.js';

export class BpfObject {
  private closed = false;
  private readonly maps = new Map<string, BpfMap>();

  constructor(
    private readonly lib: Libbpf,
    private readonly obj: BpfObjectPtr,
    readonly path: string,
    /** With LoadOptions.reuse: the maps taken over, and the ones the reused set lacked (created empty). */
    readonly reused: readonly string[] = [],
    readonly created: readonly string[] = [],
  ) {}

  /** fd of a loaded program (owned by the object). */
  programFd(name: string): number {
    const prog = this.lib.bpf_object__find_program_by_name(this.obj, name);
    if (prog === null) throw new SystemError(`${this.path} has no program ${name}`, 2);
    const fd = this.lib.bpf_program__fd(prog);
    if (fd < 0) throw new SystemError(`program ${name} of ${this.path} is not loaded`, -fd);
    return fd;
  }

  /** A map of the object (owned by the object: closed with it). */
  map(name: string): BpfMap {
    const known = this.maps.get(name);
    if (known) return known;
    const m = this.lib.bpf_object__find_map_by_name(this.obj, name);
    if (m === null) throw new SystemError(`${this.path} has no map ${name}`, 2);
    const fd = this.lib.bpf_map__fd(m);
    if (fd < 0) throw new SystemError(`map ${name} of ${this.path} is not created`, -fd);
    const map = BpfMap.fromFdSync(this.lib, fd, false);
    this.maps.set(name, map);
    return map;
  }

  /** Closes the object, its program and map fds (attached programs stay attached). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.maps.values()) m.close();
    this.lib.bpf_object__close(this.obj);
  }
}

/** Extracts a one-line reason from libbpf's log ("verifier rejected program X", ...). */
function summarize(log: string): string | null {
  const prog = /libbpf: prog '([^']+)': (?:BPF program load failed|failed to load)/.exec(log);
  if (prog) return `verifier rejected program ${prog[1]}`;
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('libbpf:'));
  const last = lines.at(-1);
  return last ? last.replace(/^libbpf:\s*/, '') : null;
}

/** Options applied between open and load. */
export interface LoadOptions {
  verbose?: boolean;
  /** max_entries per map name, set before the maps are created. */
  maxEntries?: Record<string, number>;
  /**
   * Existing maps (by their kernel name) the object's maps of the same name use instead of new ones, with their
   * entries: what an upgrade keeps. Each must have the type, key and value size the object declares.
   */
  reuse?: ReadonlyMap<string, BpfMap>;
}

/** The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a map's name. */
const kernelName = (name: string): string => name.slice(0, 15);

/** Points the object's maps at the reusable ones (before load); says which were and which will be new. */
function reuseMaps(lib: Libbpf, obj: BpfObjectPtr, path: string, reuse: ReadonlyMap<string, BpfMap>): {reused: string[]; created: string[]} {
  const reused: string[] = [];
  const created: string[] = [];
  for (let m = lib.bpf_object__next_map(obj, null); m !== null; m = lib.bpf_object__next_map(obj, m)) {
    const name = lib.bpf_map__name(m);
    const live = reuse.get(kernelName(name));
    if (name.includes('.') || live === undefined) {
      created.push(name); // sections (.rodata, ...) and maps the instance lacks
      continue;
    }
    const want = {type: lib.bpf_map__type(m), key: lib.bpf_map__key_size(m), value: lib.bpf_map__value_size(m)};
    if (want.type !== live.type || want.key !== live.keySize || want.value !== live.valueSize) {
      throw new XlatError(
        `map ${name} of ${path} (type ${want.type}, key ${want.key} bytes, value ${want.value}) differs from the running one ` +
          `(type ${live.type}, key ${live.keySize}, value ${live.valueSize}) under the same layout version`,
      );
    }
    const rc = lib.bpf_map__reuse_fd(m, live.fd);
    if (rc < 0) throw new SystemError(`reusing map ${name} for ${path} failed: ${describe(lib, rc)}`, -rc);
    reused.push(name);
  }
  return {reused, created};
}

/**
 * Opens an object file, applies the pre-load configuration (map sizes) and
 * loads it: open, configure, load, as libbpf splits them.
 */
export async function openAndLoad(path: string, opts: LoadOptions = {}): Promise<BpfObject> {
  const lib = await libbpf();
  lib.setLogLevel(opts.verbose ? LIBBPF_DEBUG : LIBBPF_INFO);
  lib.takeLog();
  const obj = lib.bpf_object__open_file(path, null);
  if (obj === null) {
    const e = lib.errno() || 22;
    const log = lib.takeLog();
    const why = e === 2 ? 'No such file (build it with npm run build:bpf)' : describe(lib, e);
    throw new SystemError(`opening ${path} failed: ${why}`, e, log || undefined);
  }
  let reuse = {reused: [] as string[], created: [] as string[]};
  try {
    if (opts.reuse) reuse = reuseMaps(lib, obj, path, opts.reuse);
  } catch (err) {
    lib.bpf_object__close(obj);
    throw err;
  }
  for (const [name, n] of Object.entries(opts.maxEntries ?? {})) {
    const m = lib.bpf_object__find_map_by_name(obj, name);
    const rc = m === null ? -2 : lib.bpf_map__set_max_entries(m, n);
    if (rc < 0) {
      lib.bpf_object__close(obj);
      throw new SystemError(`setting the size of map ${name} of ${path} to ${n} failed: ${describe(lib, rc)}`, -rc);
    }
  }
  const rc = lib.bpf_object__load(obj);
  if (rc < 0) {
    const log = lib.takeLog();
    lib.bpf_object__close(obj);
    const reason = summarize(log);
    const msg = `loading ${path} failed: ${describe(lib, rc)}${reason ? ` (${reason})` : ''}`;
    throw new SystemError(msg, -rc, log || `libbpf printed nothing (${errnoName(-rc)})`);
  }
  lib.takeLog();
  return new BpfObject(lib, obj, path, reuse.reused, reuse.created);
}
