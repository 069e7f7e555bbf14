/**
 * The base of every xlat command: shared flags (--json, -n/--netns, --verbose),
 * the single error edge, and the gate (root, namespace) before the kernel is touched.
 *
 * Kernel-facing modules are imported lazily so `--help` and input errors never load koffi.
 */
import {Command, Flags, type Interfaces} from '@oclif/core';
import {reportError} from './errors.js';
import {toJson} from './output.js';
import {validateNetnsName} from '../model/names.js';

export type SiitModule = typeof import('../instance/siit.js');
export type Nat64Module = typeof import('../instance/nat64.js');

export type XlatFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof XlatCommand)['baseFlags'] & T['flags']>;
export type XlatArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** What `instance status` reports, for either translator. */
export interface StatusResult {
  status: 'Running' | 'Dead';
  /** Whether translation is on (global manually-enabled); absent when Dead. */
  enabled?: boolean;
}

export abstract class XlatCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    netns: Flags.string({
      char: 'n',
      summary: 'Act on the named network namespace (as `ip -n NAME`; a file in /run/netns).',
      helpGroup: 'GLOBAL',
      helpValue: 'NAME',
    }),
    verbose: Flags.boolean({
      summary: 'Explain more: progress, verifier logs on load failures, stacks on internal errors.',
      helpGroup: 'GLOBAL',
      default: false,
    }),
  };

  protected flags!: XlatFlags<T>;
  protected args!: XlatArgs<T>;

  public override async init(): Promise<void> {
    await super.init();
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof XlatCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as XlatFlags<T>;
    this.args = args as XlatArgs<T>;
    if (this.flags.netns !== undefined) validateNetnsName(this.flags.netns);
  }

  /** True under --verbose, even when parsing failed before flags existed. */
  protected get verbose(): boolean {
    return this.flags?.verbose ?? this.argv.includes('--verbose');
  }

  /**
   * Call after all input is validated: requires root, enters --netns, then loads
   * and returns the SIIT instance module.
   */
  protected async siit(): Promise<SiitModule> {
    await this.enterKernel();
    return import('../instance/siit.js');
  }

  /** As siit(), for the NAT64 instance module. */
  protected async nat64(): Promise<Nat64Module> {
    await this.enterKernel();
    return import('../instance/nat64.js');
  }

  /** Requires root and enters --netns. */
  private async enterKernel(): Promise<void> {
    const privileges = await import('../sys/privileges.js');
    await privileges.requireRoot(`'${[this.config.bin, ...(this.id ?? '').split(':')].join(' ').trim()}'`);
    // A kernel or libbpf too old gets one clear line here rather than a verifier log later.
    await privileges.checkSupport();
    if (this.flags.netns !== undefined) {
      const netns = await import('../sys/netns.js');
      await netns.enterNetns(this.flags.netns);
    }
  }

  /** Progress notes, shown on stderr with --verbose only (never in --json output). */
  /** `instance status`: prints Running (exit 0) or Dead (exit 1), like Jool's. */
  protected reportStatus(instance: {enabled: boolean} | null): StatusResult {
    if (instance === null) {
      this.log('Dead');
      process.exitCode = 1;
      return {status: 'Dead'};
    }
    this.log('Running');
    return {status: 'Running', enabled: instance.enabled};
  }

  protected note(message: string): void {
    if (this.verbose && !this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  /** JSON on stdout, without colours, with exact bigints. */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${toJson(json)}\n`);
  }

  /** The one error edge: one line on stderr (or a JSON object on stdout), the error's exit code. */
  protected override async catch(err: Error & {exitCode?: number}): Promise<void> {
    // oclif's exit() travels as an error; let it through untouched.
    if ((err as {code?: string}).code === 'EEXIT') throw err;
    // Parse failures leave `parsed` unset; don't let oclif warn about it.
    this.parsed = true;
    const report = reportError(err);
    process.exitCode = report.exitCode;
    const verbose = this.verbose;
    if (this.jsonEnabled()) {
      const error: Record<string, unknown> = {message: report.message};
      if (verbose && report.detail) error.detail = report.detail;
      this.logJson({error});
      return;
    }
    let text = `Error: ${report.message}\n`;
    if (verbose && report.detail) text += `${report.detail.replace(/\n*$/, '')}\n`;
    process.stderr.write(text);
  }
}
