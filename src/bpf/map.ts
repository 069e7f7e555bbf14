/** A BPF map by fd: typed lookup/update/delete/iterate over raw Buffers. */
import {libbpf, type Libbpf} from '../ffi/libbpf.js';
import {SystemError} from '../errors.js';
import {check, describe} from './fail.js';
import {mapInfoSync} from './info.js';

const BPF_ANY = 0n;
export const BPF_NOEXIST = 1n;

/** enum bpf_map_type values xlat uses. */
export const BPF_MAP_TYPE_HASH = 1;
export const BPF_MAP_TYPE_ARRAY = 2;
const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;

const ENOENT = 2;

export class BpfMap {
  private closed = false;

  private constructor(
    private readonly lib: Libbpf,
    readonly fd: number,
    readonly name: string,
    readonly type: number,
    readonly keySize: number,
    readonly valueSize: number,
    readonly maxEntries: number,
    readonly id: number,
    /** Whether close() closes the fd (maps of a BpfObject are closed with it). */
    private readonly ownsFd: boolean,
  ) {}

  /** Wraps an fd; ownsFd: close() closes it. */
  static async fromFd(fd: number, ownsFd: boolean): Promise<BpfMap> {
    return BpfMap.fromFdSync(await libbpf(), fd, ownsFd);
  }

  static fromFdSync(lib: Libbpf, fd: number, ownsFd: boolean): BpfMap {
    const info = mapInfoSync(lib, fd);
    return new BpfMap(lib, fd, info.name, info.type, info.keySize, info.valueSize, info.maxEntries, info.id, ownsFd);
  }

  /** Opens a map by id (root): close() it when done. */
  static async fromId(id: number): Promise<BpfMap> {
    const lib = await libbpf();
    const fd = check(lib, lib.bpf_map_get_fd_by_id(id), `opening BPF map id ${id}`);
    try {
      return BpfMap.fromFdSync(lib, fd, true);
    } catch (err) {
      lib.close(fd);
      throw err;
    }
  }

  get isPerCpu(): boolean {
    return this.type === BPF_MAP_TYPE_PERCPU_ARRAY || this.type === BPF_MAP_TYPE_PERCPU_HASH;
  }

  private checkKey(key: Buffer): void {
    if (key.length !== this.keySize) {
      throw new Error(`internal: key of ${key.length} bytes for map ${this.name} (key size ${this.keySize})`);
    }
  }

  /** Value of key, or null when absent. Not for per-CPU maps (use lookupPerCpu). */
  lookup(key: Buffer): Buffer | null {
    this.checkKey(key);
    const value = Buffer.alloc(this.isPerCpu ? this.perCpuStride() * this.lib.libbpf_num_possible_cpus() : this.valueSize);
    const rc = this.lib.bpf_map_lookup_elem(this.fd, key, value);
    if (rc === -ENOENT) return null;
    check(this.lib, rc, `looking up map ${this.name}`);
    return this.isPerCpu ? value.subarray(0, this.valueSize) : value;
  }

  private perCpuStride(): number {
    return Math.ceil(this.valueSize / 8) * 8;
  }

  /** One value per possible CPU. */
  lookupPerCpu(key: Buffer): Buffer[] | null {
    this.checkKey(key);
    const ncpus = this.lib.libbpf_num_possible_cpus();
    if (ncpus <= 0) throw new SystemError(`counting CPUs: ${describe(this.lib, ncpus)}`, -ncpus);
    const stride = this.perCpuStride();
    const all = Buffer.alloc(stride * ncpus);
    const rc = this.lib.bpf_map_lookup_elem(this.fd, key, all);
    if (rc === -ENOENT) return null;
    check(this.lib, rc, `looking up map ${this.name}`);
    return Array.from({length: ncpus}, (_, i) => all.subarray(i * stride, i * stride + this.valueSize));
  }

  update(key: Buffer, value: Buffer, flags: bigint = BPF_ANY): void {
    this.checkKey(key);
    if (value.length !== this.valueSize && !this.isPerCpu) {
      throw new Error(`internal: value of ${value.length} bytes for map ${this.name} (value size ${this.valueSize})`);
    }
    check(this.lib, this.lib.bpf_map_update_elem(this.fd, key, value, flags), `updating map ${this.name}`);
  }

  /** Deletes key: true if it was there. */
  delete(key: Buffer): boolean {
    this.checkKey(key);
    const rc = this.lib.bpf_map_delete_elem(this.fd, key);
    if (rc === -ENOENT) return false;
    check(this.lib, rc, `deleting from map ${this.name}`);
    return true;
  }

  /** Every key (copied), via bpf_map_get_next_key. */
  *keys(): IterableIterator<Buffer> {
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      const rc = this.lib.bpf_map_get_next_key(this.fd, prev, next);
      if (rc === -ENOENT) return;
      check(this.lib, rc, `iterating map ${this.name}`);
      yield next;
      prev = next;
    }
  }

  /**
   * Every entry, read in chunks with bpf_map_lookup_batch (hash and array maps,
   * not per-CPU ones). Yields one chunk at a time: `count` keys and values laid
   * end to end (keySize / valueSize bytes each). The buffers are reused by the
   * next chunk: copy what you keep.
   */
  *batches(chunk = 8192): IterableIterator<{count: number; keys: Buffer; values: Buffer}> {
    if (this.isPerCpu) throw new Error(`internal: batches() on per-CPU map ${this.name}`);
    // No chunk can hold more than the whole map: small maps get small buffers.
    let size = Math.max(1, Math.min(chunk, this.maxEntries));
    let keys = Buffer.alloc(size * this.keySize);
    let values = Buffer.alloc(size * this.valueSize);
    const tokenSize = Math.max(8, this.keySize);
    let inBatch: Buffer | null = null;
    let outBatch = Buffer.alloc(tokenSize);
    for (;;) {
      const count: [number] = [size];
      const rc = this.lib.bpf_map_lookup_batch(this.fd, inBatch, outBatch, keys, values, count);
      if (rc === -28 /* ENOSPC: one bucket holds more than a chunk */ && count[0] === 0) {
        size *= 2;
        keys = Buffer.alloc(size * this.keySize);
        values = Buffer.alloc(size * this.valueSize);
        continue;
      }
      if (rc < 0 && rc !== -ENOENT) check(this.lib, rc, `reading map ${this.name} in batches`);
      if (count[0] > 0) yield {count: count[0], keys, values};
      if (rc === -ENOENT) return;
      // The next call resumes where this one stopped.
      inBatch = outBatch;
      outBatch = Buffer.alloc(tokenSize);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsFd) this.lib.close(this.fd);
  }
}
