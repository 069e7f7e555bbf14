/** BPF_PROG_TEST_RUN for XDP and sched_cls programs. */
import {libbpf} from '../ffi/libbpf.js';
import {check} from './fail.js';

export interface TestRunOutput {
  retval: number;
  /** The packet as the program left it. */
  data: Buffer;
  /** Average duration of one run, in ns. */
  durationNs: number;
}

export async function testRun(progFd: number, data: Buffer, opts: {repeat?: number; dataSizeOut?: number} = {}): Promise<TestRunOutput> {
  const lib = await libbpf();
  const out = Buffer.alloc(opts.dataSizeOut ?? data.length + 256);
  const {err, result} = lib.bpf_prog_test_run_opts(progFd, {data_in: data, data_out: out, repeat: opts.repeat ?? 1});
  check(lib, err, 'BPF_PROG_TEST_RUN');
  return {
    retval: result.retval,
    data: Buffer.from(out.subarray(0, Math.min(result.data_size_out, out.length))),
    durationNs: result.duration,
  };
}
