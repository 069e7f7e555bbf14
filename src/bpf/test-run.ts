/** BPF_PROG_TEST_RUN for XDP and sched_cls programs. */
import {libbpf} from '../ffi/libbpf.js';
import {check} from './fail.js';

export interface TestRunOutput {
  retval: number;
  /** The packet as the program left it. */
  data: Buffer;
  /** Average duration of one run, in ns. */
  durationNs: number;
  /** The context as the program left it (when one was given). */
  ctx?: Buffer;
}

/**
 * ctx: the program's context to start from (a struct __sk_buff for tc: the kernel takes mark, priority, the
 * ifindexes and a few more from it); it is then copied back from the run into TestRunOutput.ctx.
 */
export async function testRun(progFd: number, data: Buffer, opts: {repeat?: number; dataSizeOut?: number; ctx?: Buffer} = {}): Promise<TestRunOutput> {
  const lib = await libbpf();
  const out = Buffer.alloc(opts.dataSizeOut ?? data.length + 256);
  const ctxOut = opts.ctx ? Buffer.alloc(opts.ctx.length) : undefined;
  const {err, result} = lib.bpf_prog_test_run_opts(progFd, {data_in: data, data_out: out, repeat: opts.repeat ?? 1, ctx_in: opts.ctx, ctx_out: ctxOut});
  check(lib, err, 'BPF_PROG_TEST_RUN');
  return {
    retval: result.retval,
    data: Buffer.from(out.subarray(0, Math.min(result.data_size_out, out.length))),
    durationNs: result.duration,
    ...(ctxOut ? {ctx: ctxOut} : {}),
  };
}
