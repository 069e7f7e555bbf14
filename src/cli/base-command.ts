/**
 * The base of every xlat command: shared flags (--json, -n/--netns, --verbose),
 * the single error edge, the JSON envelope (src/cli/envelope.ts), and the gate
 * (root, namespace, the namespace's writer lock) before the kernel is touched.
 *
 * Kernel-facing modules are imported lazily so `--help` and input errors never load koffi.
 */
import {Command, Flags, type Interfaces} from '@oclif/core';
import {EXIT, InputError} from '../errors.js';
import {reportError} from './errors.js';
import {successEnvelope, writeError} from './envelope.js';
import {toJson} from './output.js';
import {validateNetnsName} from '../model/names.js';

export type SiitModule = typeof import('../instance/siit/instance.js');
export type Nat64Module = typeof import('../instance/nat64/instance.js');

export type XlatFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof XlatCommand)['baseFlags'] & T['flags']>;
export type XlatArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** What `instance status` reports, for either translator. */
export interface StatusResult {
  status: 'Running' | 'Paused' | 'Dead';
}

export abstract class XlatCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  /** Commands that change the kernel's state: they take the namespace's writer lock, and `changed` defaults to true. */
  static writes = false;

  static override baseFlags = {
    netns: Flags.string({
      char: 'n',
      summary: 'Act on the named network namespace (as `ip -n NAME`; a file in /run/netns). Accepted anywhere on the line.',
      helpGroup: 'GLOBAL',
      helpValue: 'NAME',
    }),
    verbose: Flags.boolean({
      summary: 'Explain more: progress, verifier logs on load failures, stacks on internal errors.',
      helpGroup: 'GLOBAL',
      default: false,
    }),
    // Jool's `-i NAME` (set by the xlat-jool front ends): the instance must answer to this name.
    'instance-name': Flags.string({hidden: true, helpGroup: 'GLOBAL'}),
  };

  protected flags!: XlatFlags<T>;
  protected args!: XlatArgs<T>;
  /** Every positional argument in order (what a command with `strict = false` takes many of). */
  protected positionals: string[] = [];
  /** Whether the kernel's state changed (the envelope's `changed`); commands set it false when nothing had to change. */
  protected changed: boolean | null = null;
  private readonly warnings: string[] = [];
  private releaseLock: (() => void) | null = null;

  /** The command as typed by an operator ("siit eamt add"). */
  protected get commandName(): string {
    return (this.id ?? '').split(':').join(' ');
  }

  public override async init(): Promise<void> {
    await super.init();
    // Never read arguments from a piped standard input (only `--file -` does, on purpose).
    const args = Object.fromEntries(Object.entries(this.ctor.args ?? {}).map(([k, a]) => [k, {...a, ignoreStdin: true}]));
    const {
      args: parsedArgs,
      flags,
      argv,
    } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof XlatCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args,
      strict: this.ctor.strict,
    });
    this.flags = flags as XlatFlags<T>;
    this.args = parsedArgs as XlatArgs<T>;
    this.positionals = argv.map(String);
    if (this.flags.netns !== undefined) validateNetnsName(this.flags.netns);
    if (this.jsonEnabled() && (this.flags as {csv?: boolean}).csv) {
      throw new InputError('--json and --csv are two output formats: give one of them');
    }
  }

  /** True under --verbose, even when parsing failed before flags existed. */
  protected get verbose(): boolean {
    return this.flags?.verbose ?? this.argv.includes('--verbose');
  }

  /**
   * Call after all input is validated: requires root, enters --netns, takes
   * the writer lock for commands that write, then loads and returns the SIIT
   * instance module.
   */
  protected async siit(): Promise<SiitModule> {
    await this.enterKernel();
    await this.checkInstanceName('SIIT');
    return import('../instance/siit/instance.js');
  }

  /** As siit(), for the NAT64 instance module. */
  protected async nat64(): Promise<Nat64Module> {
    await this.enterKernel();
    await this.checkInstanceName('NAT64');
    return import('../instance/nat64/instance.js');
  }

  /** With Jool's `-i NAME`: the namespace's instance must answer to it. */
  protected async checkInstanceName(type: 'SIIT' | 'NAT64'): Promise<void> {
    const wanted = this.flags['instance-name'];
    if (wanted === undefined) return;
    const names = await import('../instance/names.js');
    await names.requireInstanceName(type, wanted);
  }

  /** After `instance add`: records Jool's `-i NAME` (or `instance add NAME`) with the new instance. */
  protected async recordInstanceName(type: 'SIIT' | 'NAT64'): Promise<string | null> {
    const wanted = this.flags['instance-name'];
    if (wanted === undefined) return null;
    const names = await import('../instance/names.js');
    await names.recordInstanceName(type, wanted);
    return wanted;
  }

  /** Requires root, enters --netns and, for writers, takes the namespace's lock. */
  protected async enterKernel(): Promise<void> {
    const privileges = await import('../sys/privileges.js');
    privileges.requireRoot(`'${[this.config.bin, ...(this.id ?? '').split(':')].join(' ').trim()}'`);
    // A kernel or libbpf too old gets one clear line here rather than a verifier log later.
    await privileges.checkSupport();
    if (this.flags.netns !== undefined) {
      const netns = await import('../sys/netns.js');
      await netns.enterNetns(this.flags.netns);
    }
    if ((this.ctor as typeof XlatCommand).writes && this.releaseLock === null) {
      const lock = await import('../sys/lock.js');
      this.releaseLock = await lock.lockNamespace((holder) => this.note(`waiting for another xlat (${holder}) to finish in this namespace`));
    }
  }

  /** `instance status`: prints Running, Paused or Dead (exit 3: no instance). */
  protected reportStatus(instance: {enabled: boolean} | null): StatusResult {
    const status = instance === null ? 'Dead' : instance.enabled ? 'Running' : 'Paused';
    if (status === 'Paused') this.log('Paused (manually-enabled is false: packets pass untranslated)');
    else this.log(status);
    if (status === 'Dead') process.exitCode = EXIT.notFound;
    return {status};
  }

  /** Progress notes, shown on stderr with --verbose only (never in --json output). */
  protected note(message: string): void {
    if (this.verbose && !this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  /** Something the operator should know although the command succeeded: `Warning:` on stderr, or in the envelope. */
  protected warning(message: string): void {
    this.warnings.push(message);
    if (!this.jsonEnabled()) process.stderr.write(`Warning: ${message}\n`);
  }

  /** The envelope around a command's result (src/cli/envelope.ts). */
  protected override toSuccessJson(result: unknown): unknown {
    const changed = this.changed ?? (this.ctor as typeof XlatCommand).writes;
    return successEnvelope(this.commandName, result, changed, this.warnings);
  }

  /** JSON on stdout, without colours, with exact bigints. */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${toJson(json)}\n`);
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.releaseLock?.();
    this.releaseLock = null;
    await super.finally(err);
  }

  /** The one error edge: one line on stderr (a JSON object on stderr under --json), the error's exit code. */
  protected override async catch(err: Error & {exitCode?: number}): Promise<void> {
    // oclif's exit() travels as an error; let it through untouched.
    if ((err as {code?: string}).code === 'EEXIT') throw err;
    // Parse failures leave `parsed` unset; don't let oclif warn about it.
    this.parsed = true;
    const report = reportError(err, this.commandName);
    process.exitCode = report.exitCode;
    const detail = this.verbose ? report.detail : undefined;
    writeError(this.jsonEnabled(), this.commandName, report.message, report.exitCode, detail, report.internal, report.problems);
  }
}
