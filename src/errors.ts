/**
 * Errors the CLI turns into one line `Error: <message>` and a non-zero exit.
 * Anything else that escapes is a bug and is reported with its stack under --verbose.
 */
export class XlatError extends Error {
  /** Process exit code for this error (1 unless a command says otherwise). */
  readonly exitCode: number;
  /** Extra lines (a verifier log) shown only with --verbose. */
  readonly detail?: string;

  constructor(message: string, options: {exitCode?: number; detail?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'XlatError';
    this.exitCode = options.exitCode ?? 1;
    this.detail = options.detail;
  }
}

/** Input that is malformed or out of range: nothing was changed. */
export class InputError extends XlatError {
  constructor(message: string) {
    super(message, {exitCode: 2});
    this.name = 'InputError';
  }
}

/** No instance of the requested kind in this namespace. */
export class NoInstanceError extends XlatError {
  constructor(kind: string) {
    super(`this namespace has no ${kind} instance (create one with 'xlat ${kind.toLowerCase()} instance add')`);
    this.name = 'NoInstanceError';
  }
}

/** Not root / lacking CAP_BPF and CAP_NET_ADMIN. */
export class PrivilegeError extends XlatError {
  constructor(what = 'xlat') {
    super(`${what} needs root privileges (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN): run it as root or with sudo`);
    this.name = 'PrivilegeError';
  }
}

/** A libbpf or kernel call failed; errno is positive. */
export class SystemError extends XlatError {
  readonly errno: number;
  constructor(message: string, errno: number, detail?: string) {
    super(message, {detail});
    this.name = 'SystemError';
    this.errno = errno;
  }
}

/** The instance in this namespace keeps its maps in another layout than this xlat's: nothing was read or changed. */
export class LayoutMismatchError extends XlatError {
  readonly instanceLayout: number;
  readonly ownLayout: number;
  constructor(kind: string, instanceLayout: number, ownLayout: number) {
    super(
      `the ${kind} instance of this namespace has map layout ${instanceLayout} and this xlat has ${ownLayout}: ` +
        `manage it with the xlat that created it, or replace it ('xlat ${kind.toLowerCase()} instance remove', then 'add')`,
    );
    this.name = 'LayoutMismatchError';
    this.instanceLayout = instanceLayout;
    this.ownLayout = ownLayout;
  }
}
