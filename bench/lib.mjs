// Shared pieces of the benchmark: statistics, the machine description, process helpers and formatting.
import {readFileSync, existsSync} from 'node:fs';
import os from 'node:os';
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const CLI = path.join(REPO, 'bin', 'run.js');

export const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** The frame of a test-run output whose length is not known: strips the XDP metadata marks ('xlat'). */
export function stripMeta(out) {
  let o = out;
  while (o.length >= 4 && o.readUInt32LE(0) === 0x786c6174) o = o.subarray(4);
  return o;
}

/**
 * clang arguments that find asm/ in Debian's multiarch include directory: `-target bpf` defines no architecture, and
 * without gcc-multilib's /usr/include/asm link nothing else points there (as scripts/build-bpf.sh does it).
 */
export function bpfIncludeArgs() {
  let multiarch;
  try {
    multiarch = execFileSync('gcc', ['-print-multiarch'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
  } catch {
    multiarch = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  }
  return ['-idirafter', `/usr/include/${multiarch}`];
}

function sh(cmd) {
  try {
    return execFileSync('sh', ['-c', cmd], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000}).trim();
  } catch {
    return null;
  }
}

/** What the figures were measured on. */
export function machineInfo() {
  const cpus = os.cpus();
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const distro = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? null;
  const pkgVersion = (p) => sh(`dpkg-query -W -f='\${Version}' ${p} 2>/dev/null`);
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model ?? null,
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(),
    distro,
    node: process.version,
    libbpf: pkgVersion('libbpf1'),
    clang: sh('clang --version | head -n 1'),
    iproute2: sh('ip -V'),
    iperf3: sh('iperf3 --version 2>&1 | head -n 1'),
    trafgen: sh('trafgen --version 2>&1 | head -n 1'),
    tayga: pkgVersion('tayga'),
    hyperfine: sh('hyperfine --version'),
    xlatCommit: sh(`git -C ${REPO} rev-parse --short HEAD`),
    xlatDirty: sh(`git -C ${REPO} status --porcelain -- src bpf`) ? true : false,
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A figure against its target: {pass, by} where `by` says how far above or below (never asserted). */
export function judge(value, target) {
  if (!Number.isFinite(value)) return {pass: null, by: 'not measured'};
  const {op, value: t} = target;
  const pass = op === '>=' ? value >= t : value <= t;
  let by;
  if (op === '>=') by = pass ? `+${((value / t - 1) * 100).toFixed(0)}% above` : `${((1 - value / t) * 100).toFixed(0)}% short`;
  else by = pass ? `${((1 - value / t) * 100).toFixed(0)}% under` : `${((value / t - 1) * 100).toFixed(0)}% over`;
  return {pass, by};
}

/** Plain-text table (columns padded) and a markdown table from the same rows. */
export function textTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function mdTable(header, rows) {
  const esc = (c) => (c === null || c === undefined ? '-' : String(c)).replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function fmt(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 1000) return x.toLocaleString('en-US', {maximumFractionDigits: 0});
  return x.toFixed(digits);
}

/** Logs progress on stderr (the table goes to stdout). */
export const log = (...a) => console.error('bench:', ...a);
