/**
 * The only module that touches koffi: binds libbpf.so.1 and a few libc calls
 * and exposes them with TypeScript signatures. Loaded lazily (koffi costs
 * start-up time that commands which never reach the kernel should not pay).
 *
 * Conventions kept from C: libbpf int functions return -errno (or -LIBBPF_ERRNO
 * codes); pointer functions return null and set errno, read with errno() right
 * after the call.
 */

/** An opaque C pointer (koffi external), tagged with what it points to. */
export type Ptr<Tag extends string> = {readonly __ptr: Tag};
export type BpfObjectPtr = Ptr<'bpf_object'>;
export type BpfProgramPtr = Ptr<'bpf_program'>;
export type BpfMapPtr = Ptr<'bpf_map'>;
export type BtfPtr = Ptr<'btf'>;
export type BtfTypePtr = Ptr<'btf_type'>;
export type RingBufferPtr = Ptr<'ring_buffer'>;
/** Native memory from alloc(): stable while not freed. */
export type NativeMem = Ptr<'native_mem'>;

/** struct bpf_tc_hook (libbpf 1.1): sz is filled in by the binding. */
export interface TcHook {
  ifindex: number;
  attach_point: number;
  parent: number;
}

/** struct bpf_tc_opts (libbpf 1.1): prog_id/handle/priority are in-out. */
export interface TcOpts {
  prog_fd: number;
  flags: number;
  prog_id: number;
  handle: number;
  priority: number;
}

/** struct bpf_xdp_query_opts outputs. */
export interface XdpQueryResult {
  prog_id: number;
  drv_prog_id: number;
  hw_prog_id: number;
  skb_prog_id: number;
  attach_mode: number;
}

/** struct bpf_test_run_opts, the fields xlat uses. */
export interface TestRunOpts {
  data_in: Buffer;
  data_out: Buffer | null;
  repeat: number;
  flags?: number;
  cpu?: number;
  /** The context (struct __sk_buff for tc: mark, ifindex, ...) given to the program, and where it is left. */
  ctx_in?: Buffer;
  ctx_out?: Buffer;
}
export interface TestRunResult {
  retval: number;
  data_size_out: number;
  duration: number;
}

/** libbpf log levels (enum libbpf_print_level). */
export const LIBBPF_INFO = 1;
export const LIBBPF_DEBUG = 2;

export interface Libbpf {
  // object
  bpf_object__open_file(path: string, opts: null): BpfObjectPtr | null;
  bpf_object__load(obj: BpfObjectPtr): number;
  bpf_object__close(obj: BpfObjectPtr): void;
  bpf_object__find_program_by_name(obj: BpfObjectPtr, name: string): BpfProgramPtr | null;
  bpf_program__fd(prog: BpfProgramPtr): number;
  bpf_object__find_map_by_name(obj: BpfObjectPtr, name: string): BpfMapPtr | null;
  bpf_map__fd(map: BpfMapPtr): number;
  /** Before load only: 0 or -errno. */
  bpf_map__set_max_entries(map: BpfMapPtr, maxEntries: number): number;
  /** The object's maps in order (prev null: the first); null after the last. */
  bpf_object__next_map(obj: BpfObjectPtr, prev: BpfMapPtr | null): BpfMapPtr | null;
  bpf_map__name(map: BpfMapPtr): string;
  bpf_map__type(map: BpfMapPtr): number;
  bpf_map__key_size(map: BpfMapPtr): number;
  bpf_map__value_size(map: BpfMapPtr): number;
  /** Before load only: the object uses the existing map fd (its definition taken from the kernel) instead of creating one. */
  bpf_map__reuse_fd(map: BpfMapPtr, fd: number): number;
  // ring buffers (BPF_MAP_TYPE_RINGBUF)
  /** A reader of the ring buffer map mapFd: onRecord gets each record, during ring_buffer__poll. null: errno. */
  ring_buffer__new(mapFd: number, onRecord: (data: Buffer) => void): RingBufferPtr | null;
  /** Waits up to timeoutMs for records and hands them over: their count, or -errno (-EINTR on a signal). */
  ring_buffer__poll(rb: RingBufferPtr, timeoutMs: number): number;
  ring_buffer__free(rb: RingBufferPtr): void;
  // library
  libbpf_strerror(err: number): string;
  libbpf_major_version(): number;
  libbpf_minor_version(): number;
  libbpf_num_possible_cpus(): number;
  // maps
  bpf_map_lookup_elem(fd: number, key: Buffer, value: Buffer): number;
  bpf_map_update_elem(fd: number, key: Buffer, value: Buffer, flags: bigint): number;
  bpf_map_delete_elem(fd: number, key: Buffer): number;
  bpf_map_get_next_key(fd: number, key: Buffer | null, nextKey: Buffer): number;
  /** count is in-out: [maxEntries] in, [entriesRead] out. inBatch null starts at the beginning. */
  bpf_map_lookup_batch(fd: number, inBatch: Buffer | null, outBatch: Buffer, keys: Buffer, values: Buffer, count: [number]): number;
  // ids and info
  bpf_prog_get_fd_by_id(id: number): number;
  bpf_map_get_fd_by_id(id: number): number;
  /** info: a raw buffer laid out as struct bpf_prog_info / bpf_map_info; infoLen in-out. */
  bpf_obj_get_info_by_fd(fd: number, info: Buffer, infoLen: [number]): number;
  /** A map made from userspace (no options): its fd, or -errno. */
  bpf_map_create(mapType: number, name: string, keySize: number, valueSize: number, maxEntries: number): number;
  /** Keeps a map alive as long as the program (it then shows among the program's map ids): 0 or -errno. */
  bpf_prog_bind_map(progFd: number, mapFd: number): number;
  // xdp
  /** oldProgFd > 0: replace that program atomically, failing if another one is attached (XDP_FLAGS_REPLACE). */
  bpf_xdp_attach(ifindex: number, progFd: number, flags: number, oldProgFd?: number): number;
  /** oldProgFd > 0: detach only if that program is the attached one (XDP_FLAGS_REPLACE). */
  bpf_xdp_detach(ifindex: number, flags: number, oldProgFd: number): number;
  bpf_xdp_query(ifindex: number, flags: number): {err: number; result: XdpQueryResult};
  // tc
  bpf_tc_hook_create(hook: TcHook): number;
  bpf_tc_hook_destroy(hook: TcHook): number;
  /** Fills opts.prog_id (and handle/priority when 0) on success. */
  bpf_tc_attach(hook: TcHook, opts: TcOpts): number;
  bpf_tc_detach(hook: TcHook, opts: TcOpts): number;
  /** Fills opts.prog_id on success. */
  bpf_tc_query(hook: TcHook, opts: TcOpts): number;
  // test run
  bpf_prog_test_run_opts(progFd: number, opts: TestRunOpts): {err: number; result: TestRunResult};
  // btf
  btf__parse(path: string, baseBtf: null): BtfPtr | null;
  btf__free(btf: BtfPtr): void;
  btf__find_by_name_kind(btf: BtfPtr, name: string, kind: number): number;
  btf__type_by_id(btf: BtfPtr, id: number): BtfTypePtr | null;
  btf__name_by_offset(btf: BtfPtr, offset: number): string | null;
  btf__type_cnt(btf: BtfPtr): number;
  /** Size in bytes of a type (through typedefs, modifiers, arrays), or -errno. */
  btf__resolve_size(btf: BtfPtr, id: number): number;
  /** Reads `length` bytes of native memory at ptr + offset. */
  readMemory(ptr: BtfTypePtr | NativeMem, offset: number, length: number): Buffer;
  // native memory for pointers stored inside structs
  alloc(bytes: number): NativeMem;
  free(mem: NativeMem): void;
  address(mem: NativeMem): bigint;
  // libc
  setns(fd: number, nstype: number): number;
  close(fd: number): number;
  geteuid(): number;
  /** flock(2): 0, or -1 with errno set (EWOULDBLOCK under LOCK_NB when another process holds the lock). */
  flock(fd: number, operation: number): number;
  /** errno of the last call on this thread (read right after a failing call). */
  errno(): number;
  // log capture
  /** Everything libbpf printed since the last takeLog(). */
  takeLog(): string;
  /** Capture libbpf DEBUG messages too (default: WARN and INFO). */
  setLogLevel(maxLevel: number): void;
}

let instance: Promise<Libbpf> | null = null;

/** Loads koffi, libbpf.so.1 and libc.so.6 once and returns the bound functions. */
export function libbpf(): Promise<Libbpf> {
  if (instance === null) {
    instance = bind();
    instance.catch(() => {
      instance = null;
    });
  }
  return instance;
}

async function bind(): Promise<Libbpf> {
  let koffi: typeof import('koffi').default;
  try {
    koffi = (await import('koffi')).default;
  } catch (err) {
    // koffi ships prebuilt binaries (@koromix/koffi-<os>-<arch>); none loaded for this platform
    throw new Error(`cannot load koffi's native module for ${process.platform}-${process.arch}: ${(err as Error).message}`);
  }
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libbpf.so.1');
  } catch (err) {
    const why = (err as Error).message.replace(/^Failed to load shared library: /, '');
    throw new Error(`libbpf.so.1 is missing (xlat needs libbpf >= 1.1; Debian/Ubuntu: apt install libbpf1): ${why}`);
  }
  const libc = koffi.load('libc.so.6');

  // Opaque pointer types (never dereferenced from JS).
  koffi.opaque('bpf_object');
  koffi.opaque('bpf_program');
  koffi.opaque('bpf_map');
  koffi.opaque('btf');
  koffi.opaque('btf_type');

  // Options structs, field by field from libbpf 1.1 headers. `size_t :0` at
  // the end only pads to 8, which koffi does too (size_t member alignment).
  const bpf_tc_hook = koffi.struct('bpf_tc_hook', {
    sz: 'size_t',
    ifindex: 'int',
    attach_point: 'int',
    parent: 'uint32_t',
  });
  const bpf_tc_opts = koffi.struct('bpf_tc_opts', {
    sz: 'size_t',
    prog_fd: 'int',
    flags: 'uint32_t',
    prog_id: 'uint32_t',
    handle: 'uint32_t',
    priority: 'uint32_t',
  });
  const bpf_xdp_attach_opts = koffi.struct('bpf_xdp_attach_opts', {
    sz: 'size_t',
    old_prog_fd: 'int',
  });
  const bpf_xdp_query_opts = koffi.struct('bpf_xdp_query_opts', {
    sz: 'size_t',
    prog_id: 'uint32_t',
    drv_prog_id: 'uint32_t',
    hw_prog_id: 'uint32_t',
    skb_prog_id: 'uint32_t',
    attach_mode: 'uint8_t',
  });
  const bpf_test_run_opts = koffi.struct('bpf_test_run_opts', {
    sz: 'size_t',
    data_in: 'void *',
    data_out: 'void *',
    data_size_in: 'uint32_t',
    data_size_out: 'uint32_t',
    ctx_in: 'void *',
    ctx_out: 'void *',
    ctx_size_in: 'uint32_t',
    ctx_size_out: 'uint32_t',
    retval: 'uint32_t',
    repeat: 'int',
    duration: 'uint32_t',
    flags: 'uint32_t',
    cpu: 'uint32_t',
    batch_size: 'uint32_t',
  });
  const sizes: [string, number, number][] = [
    ['bpf_tc_hook', koffi.sizeof(bpf_tc_hook), 24],
    ['bpf_tc_opts', koffi.sizeof(bpf_tc_opts), 32],
    ['bpf_xdp_attach_opts', koffi.sizeof(bpf_xdp_attach_opts), 16],
    ['bpf_xdp_query_opts', koffi.sizeof(bpf_xdp_query_opts), 32],
    ['bpf_test_run_opts', koffi.sizeof(bpf_test_run_opts), 80],
  ];
  if (process.arch === 'x64' || process.arch === 'arm64') {
    for (const [name, got, want] of sizes) {
      if (got !== want) throw new Error(`internal: koffi layout of struct ${name} is ${got} bytes, libbpf 1.1 has ${want}`);
    }
  }
  const SZ = {
    tcHook: koffi.sizeof(bpf_tc_hook),
    tcOpts: koffi.sizeof(bpf_tc_opts),
    xdpAttach: koffi.sizeof(bpf_xdp_attach_opts),
    xdpQuery: koffi.sizeof(bpf_xdp_query_opts),
    testRun: koffi.sizeof(bpf_test_run_opts),
  };

  // Log capture: libbpf_set_print with a C callback formatting through vsnprintf.
  const printFn = koffi.proto('int libbpf_print_fn_t(int level, const char *fmt, void *args)');
  const vsnprintf = libc.func('int vsnprintf(void *buf, size_t size, const char *fmt, void *ap)');
  const logLines: string[] = [];
  let logMax = LIBBPF_INFO;
  // A verifier log arrives as one message of up to several MiB: size for it, allocate on first use.
  let fmtBuf: Buffer | null = null;
  const printCb = (level: number, fmt: string, args: unknown): number => {
    if (level > logMax) return 0;
    fmtBuf ??= Buffer.allocUnsafe(16 << 20);
    const n = vsnprintf(fmtBuf, fmtBuf.length, fmt, args) as number;
    if (n > 0) logLines.push(fmtBuf.toString('utf8', 0, Math.min(n, fmtBuf.length - 1)));
    if (n >= fmtBuf.length) logLines.push('[libbpf message truncated]\n');
    return 0;
  };
  const printPtr = koffi.register(printCb, koffi.pointer(printFn));
  const libbpf_set_print = lib.func('libbpf_print_fn_t *libbpf_set_print(libbpf_print_fn_t *fn)');
  libbpf_set_print(printPtr);

  // Ring buffers: libbpf calls the sample callback on this thread, inside ring_buffer__poll.
  const sampleFn = koffi.proto('int ring_buffer_sample_fn(void *ctx, void *data, size_t size)');
  koffi.opaque('ring_buffer');
  const rbNew = lib.func('ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn *sample_cb, void *ctx, const void *opts)');
  const rbCallbacks = new Map<unknown, unknown>();

  const f = {
    rb_poll: lib.func('int ring_buffer__poll(ring_buffer *rb, int timeout_ms)'),
    rb_free: lib.func('void ring_buffer__free(ring_buffer *rb)'),
    open_file: lib.func('bpf_object *bpf_object__open_file(const char *path, const void *opts)'),
    load: lib.func('int bpf_object__load(bpf_object *obj)'),
    close_obj: lib.func('void bpf_object__close(bpf_object *obj)'),
    find_prog: lib.func('bpf_program *bpf_object__find_program_by_name(bpf_object *obj, const char *name)'),
    prog_fd: lib.func('int bpf_program__fd(bpf_program *prog)'),
    find_map: lib.func('bpf_map *bpf_object__find_map_by_name(bpf_object *obj, const char *name)'),
    map_fd: lib.func('int bpf_map__fd(bpf_map *map)'),
    set_max_entries: lib.func('int bpf_map__set_max_entries(bpf_map *map, uint32_t max_entries)'),
    next_map: lib.func('bpf_map *bpf_object__next_map(const bpf_object *obj, const bpf_map *map)'),
    map_name: lib.func('const char *bpf_map__name(const bpf_map *map)'),
    map_type: lib.func('int bpf_map__type(const bpf_map *map)'),
    map_key_size: lib.func('uint32_t bpf_map__key_size(const bpf_map *map)'),
    map_value_size: lib.func('uint32_t bpf_map__value_size(const bpf_map *map)'),
    reuse_fd: lib.func('int bpf_map__reuse_fd(bpf_map *map, int fd)'),
    strerror: lib.func('int libbpf_strerror(int err, void *buf, size_t size)'),
    major: lib.func('uint32_t libbpf_major_version(void)'),
    minor: lib.func('uint32_t libbpf_minor_version(void)'),
    ncpus: lib.func('int libbpf_num_possible_cpus(void)'),
    lookup: lib.func('int bpf_map_lookup_elem(int fd, const void *key, void *value)'),
    update: lib.func('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)'),
    del: lib.func('int bpf_map_delete_elem(int fd, const void *key)'),
    next_key: lib.func('int bpf_map_get_next_key(int fd, const void *key, void *next_key)'),
    lookup_batch: lib.func(
      'int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, const void *opts)',
    ),
    prog_by_id: lib.func('int bpf_prog_get_fd_by_id(uint32_t id)'),
    map_by_id: lib.func('int bpf_map_get_fd_by_id(uint32_t id)'),
    info: lib.func('int bpf_obj_get_info_by_fd(int fd, void *info, _Inout_ uint32_t *info_len)'),
    map_create: lib.func(
      'int bpf_map_create(int map_type, const char *map_name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const void *opts)',
    ),
    prog_bind_map: lib.func('int bpf_prog_bind_map(int prog_fd, int map_fd, const void *opts)'),
    xdp_attach: lib.func('int bpf_xdp_attach(int ifindex, int prog_fd, uint32_t flags, const bpf_xdp_attach_opts *opts)'),
    xdp_detach: lib.func('int bpf_xdp_detach(int ifindex, uint32_t flags, const bpf_xdp_attach_opts *opts)'),
    xdp_query: lib.func('int bpf_xdp_query(int ifindex, int flags, _Inout_ bpf_xdp_query_opts *opts)'),
    tc_hook_create: lib.func('int bpf_tc_hook_create(const bpf_tc_hook *hook)'),
    tc_hook_destroy: lib.func('int bpf_tc_hook_destroy(const bpf_tc_hook *hook)'),
    tc_attach: lib.func('int bpf_tc_attach(const bpf_tc_hook *hook, _Inout_ bpf_tc_opts *opts)'),
    tc_detach: lib.func('int bpf_tc_detach(const bpf_tc_hook *hook, const bpf_tc_opts *opts)'),
    tc_query: lib.func('int bpf_tc_query(const bpf_tc_hook *hook, _Inout_ bpf_tc_opts *opts)'),
    test_run: lib.func('int bpf_prog_test_run_opts(int prog_fd, _Inout_ bpf_test_run_opts *opts)'),
    btf_parse: lib.func('btf *btf__parse(const char *path, btf *base_btf)'),
    btf_free: lib.func('void btf__free(btf *btf)'),
    btf_find: lib.func('int32_t btf__find_by_name_kind(const btf *btf, const char *name, uint32_t kind)'),
    btf_type: lib.func('const btf_type *btf__type_by_id(const btf *btf, uint32_t id)'),
    btf_name: lib.func('const char *btf__name_by_offset(const btf *btf, uint32_t offset)'),
    btf_cnt: lib.func('uint32_t btf__type_cnt(const btf *btf)'),
    btf_size: lib.func('int64_t btf__resolve_size(const btf *btf, uint32_t type_id)'),
    setns: libc.func('int setns(int fd, int nstype)'),
    close: libc.func('int close(int fd)'),
    geteuid: libc.func('uint32_t geteuid(void)'),
    flock: libc.func('int flock(int fd, int operation)'),
  };

  const strBuf = Buffer.alloc(512);
  const tcHook = (h: TcHook) => ({sz: SZ.tcHook, ifindex: h.ifindex, attach_point: h.attach_point, parent: h.parent});
  const tcOpts = (o: TcOpts) => ({
    sz: SZ.tcOpts,
    prog_fd: o.prog_fd,
    flags: o.flags,
    prog_id: o.prog_id,
    handle: o.handle,
    priority: o.priority,
  });
  const copyTcOut = (from: TcOpts, to: TcOpts) => {
    to.prog_id = from.prog_id;
    to.handle = from.handle;
    to.priority = from.priority;
  };

  const api: Libbpf = {
    ring_buffer__new: (mapFd, onRecord) => {
      const cb = koffi.register((_ctx: unknown, data: unknown, size: number | bigint): number => {
        const bytes = koffi.decode(data, koffi.array('uint8_t', Number(size), 'Typed')) as Uint8Array;
        onRecord(Buffer.from(bytes));
        return 0;
      }, koffi.pointer(sampleFn));
      const rb = rbNew(mapFd, cb, null, null) as RingBufferPtr | null;
      if (rb === null) koffi.unregister(cb);
      else rbCallbacks.set(rb, cb);
      return rb;
    },
    ring_buffer__poll: (rb, timeoutMs) => f.rb_poll(rb, timeoutMs) as number,
    ring_buffer__free: (rb) => {
      f.rb_free(rb);
      const cb = rbCallbacks.get(rb);
      rbCallbacks.delete(rb);
      if (cb) koffi.unregister(cb as Parameters<typeof koffi.unregister>[0]);
    },
    bpf_object__open_file: (path) => f.open_file(path, null) as BpfObjectPtr | null,
    bpf_object__load: (obj) => f.load(obj) as number,
    bpf_object__close: (obj) => {
      f.close_obj(obj);
    },
    bpf_object__find_program_by_name: (obj, name) => f.find_prog(obj, name) as BpfProgramPtr | null,
    bpf_program__fd: (prog) => f.prog_fd(prog) as number,
    bpf_object__find_map_by_name: (obj, name) => f.find_map(obj, name) as BpfMapPtr | null,
    bpf_object__next_map: (obj, prev) => f.next_map(obj, prev) as BpfMapPtr | null,
    bpf_map__name: (map) => f.map_name(map) as string,
    bpf_map__type: (map) => f.map_type(map) as number,
    bpf_map__key_size: (map) => f.map_key_size(map) as number,
    bpf_map__value_size: (map) => f.map_value_size(map) as number,
    bpf_map__reuse_fd: (map, fd) => f.reuse_fd(map, fd) as number,
    bpf_map__fd: (map) => f.map_fd(map) as number,
    bpf_map__set_max_entries: (map, n) => f.set_max_entries(map, n) as number,
    libbpf_strerror: (err) => {
      strBuf.fill(0);
      const rc = f.strerror(err, strBuf, strBuf.length) as number;
      const end = strBuf.indexOf(0);
      const text = strBuf.toString('utf8', 0, end < 0 ? strBuf.length : end);
      return rc === 0 || text ? text : `error ${err}`;
    },
    libbpf_major_version: () => f.major() as number,
    libbpf_minor_version: () => f.minor() as number,
    libbpf_num_possible_cpus: () => f.ncpus() as number,
    bpf_map_lookup_elem: (fd, key, value) => f.lookup(fd, key, value) as number,
    bpf_map_update_elem: (fd, key, value, flags) => f.update(fd, key, value, flags) as number,
    bpf_map_delete_elem: (fd, key) => f.del(fd, key) as number,
    bpf_map_get_next_key: (fd, key, next) => f.next_key(fd, key, next) as number,
    bpf_map_lookup_batch: (fd, inB, outB, keys, values, count) => f.lookup_batch(fd, inB, outB, keys, values, count, null) as number,
    bpf_prog_get_fd_by_id: (id) => f.prog_by_id(id) as number,
    bpf_map_get_fd_by_id: (id) => f.map_by_id(id) as number,
    bpf_obj_get_info_by_fd: (fd, info, len) => f.info(fd, info, len) as number,
    bpf_map_create: (type, name, keySize, valueSize, maxEntries) => f.map_create(type, name, keySize, valueSize, maxEntries, null) as number,
    bpf_prog_bind_map: (progFd, mapFd) => f.prog_bind_map(progFd, mapFd, null) as number,
    bpf_xdp_attach: (ifindex, progFd, flags, oldProgFd = 0) =>
      f.xdp_attach(ifindex, progFd, flags, {sz: SZ.xdpAttach, old_prog_fd: oldProgFd > 0 ? oldProgFd : 0}) as number,
    bpf_xdp_detach: (ifindex, flags, oldProgFd) => f.xdp_detach(ifindex, flags, {sz: SZ.xdpAttach, old_prog_fd: oldProgFd > 0 ? oldProgFd : 0}) as number,
    bpf_xdp_query: (ifindex, flags) => {
      const opts = {sz: SZ.xdpQuery, prog_id: 0, drv_prog_id: 0, hw_prog_id: 0, skb_prog_id: 0, attach_mode: 0};
      const err = f.xdp_query(ifindex, flags, opts) as number;
      return {err, result: opts};
    },
    bpf_tc_hook_create: (hook) => f.tc_hook_create(tcHook(hook)) as number,
    bpf_tc_hook_destroy: (hook) => f.tc_hook_destroy(tcHook(hook)) as number,
    bpf_tc_attach: (hook, opts) => {
      const o = tcOpts(opts);
      const err = f.tc_attach(tcHook(hook), o) as number;
      if (err === 0) copyTcOut(o, opts);
      return err;
    },
    bpf_tc_detach: (hook, opts) => f.tc_detach(tcHook(hook), tcOpts(opts)) as number,
    bpf_tc_query: (hook, opts) => {
      const o = tcOpts(opts);
      const err = f.tc_query(tcHook(hook), o) as number;
      if (err === 0) copyTcOut(o, opts);
      return err;
    },
    bpf_prog_test_run_opts: (progFd, opts) => {
      const o = {
        sz: SZ.testRun,
        data_in: opts.data_in,
        data_out: opts.data_out,
        data_size_in: opts.data_in.length,
        data_size_out: opts.data_out ? opts.data_out.length : 0,
        ctx_in: opts.ctx_in ?? null,
        ctx_out: opts.ctx_out ?? null,
        ctx_size_in: opts.ctx_in?.length ?? 0,
        ctx_size_out: opts.ctx_out?.length ?? 0,
        retval: 0,
        repeat: opts.repeat,
        duration: 0,
        flags: opts.flags ?? 0,
        cpu: opts.cpu ?? 0,
        batch_size: 0,
      };
      const err = f.test_run(progFd, o) as number;
      return {err, result: {retval: o.retval, data_size_out: o.data_size_out, duration: o.duration}};
    },
    btf__parse: (path) => f.btf_parse(path, null) as BtfPtr | null,
    btf__free: (btf) => {
      f.btf_free(btf);
    },
    btf__find_by_name_kind: (btf, name, kind) => f.btf_find(btf, name, kind) as number,
    btf__type_by_id: (btf, id) => f.btf_type(btf, id) as BtfTypePtr | null,
    btf__name_by_offset: (btf, off) => f.btf_name(btf, off) as string | null,
    btf__type_cnt: (btf) => f.btf_cnt(btf) as number,
    btf__resolve_size: (btf, id) => Number(f.btf_size(btf, id) as number | bigint),
    readMemory: (ptr, offset, length) => {
      const bytes = koffi.decode(ptr, offset, 'uint8_t', length) as number[] | Uint8Array;
      return Buffer.from(bytes);
    },
    alloc: (bytes) => koffi.alloc('uint8_t', bytes) as NativeMem,
    free: (mem) => {
      koffi.free(mem);
    },
    address: (mem) => koffi.address(mem),
    setns: (fd, nstype) => f.setns(fd, nstype) as number,
    close: (fd) => f.close(fd) as number,
    geteuid: () => f.geteuid() as number,
    flock: (fd, op) => f.flock(fd, op) as number,
    errno: () => koffi.errno(),
    takeLog: () => {
      const text = logLines.join('');
      logLines.length = 0;
      return text;
    },
    setLogLevel: (maxLevel) => {
      logMax = maxLevel;
    },
  };
  return api;
}
