/**
 * Errors the CLI turns into one line `Error: <message>` and a documented exit
 * code (README "The CLI contract"). Anything else that escapes is a bug and
 * is reported with its stack under --verbose.
 */

/** Exit codes, the same for every command and table. */
export const EXIT = {
  ok: 0,
  /** The kernel or the system refused, or something unexpected broke. */
  failure: 1,
  /** Bad input: a malformed or out-of-range value, an unknown command or flag. Nothing was changed. */
  input: 2,
  /** The entry, or the instance, does not exist (`instance status` says Dead). */
  notFound: 3,
  /** The entry already exists, or overlaps one that does. */
  exists: 4,
  /** Not root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN missing). */
  permission: 5,
} as const;

/** What kind of failure, in the JSON error object (`error.kind`). */
export type ErrorKind = 'failure' | 'input' | 'not-found' | 'exists' | 'permission' | 'internal';

const KIND_BY_CODE: Record<number, ErrorKind> = {1: 'failure', 2: 'input', 3: 'not-found', 4: 'exists', 5: 'permission'};

export function kindOfExitCode(code: number): ErrorKind {
  return KIND_BY_CODE[code] ?? 'failure';
}

export class XlatError extends Error {
  /** Process exit code for this error (EXIT.failure unless a subclass says otherwise). */
  readonly exitCode: number;
  /** Extra lines (a verifier log) shown only with --verbose. */
  readonly detail?: string;

  constructor(message: string, options: {exitCode?: number; detail?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'XlatError';
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.detail = options.detail;
  }
}

/** Input that is malformed or out of range: nothing was changed. */
export class InputError extends XlatError {
  constructor(message: string) {
    super(message, {exitCode: EXIT.input});
    this.name = 'InputError';
  }
}

/** A configuration file with errors: every one of them, each "/json/pointer: what is wrong". Nothing was changed. */
export class ConfigError extends InputError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The entry (or instance) the command names does not exist. */
export class NotFoundError extends XlatError {
  constructor(message: string) {
    super(message, {exitCode: EXIT.notFound});
    this.name = 'NotFoundError';
  }
}

/** The entry exists already, or collides with one that does. */
export class ExistsError extends XlatError {
  constructor(message: string) {
    super(message, {exitCode: EXIT.exists});
    this.name = 'ExistsError';
  }
}

/** No instance of the requested kind in this namespace. */
export class NoInstanceError extends NotFoundError {
  constructor(kind: string) {
    super(`this namespace has no ${kind} instance (create one with 'xlat ${kind.toLowerCase()} instance add')`);
    this.name = 'NoInstanceError';
  }
}

/** Not root / lacking CAP_BPF and CAP_NET_ADMIN. */
export class PrivilegeError extends XlatError {
  constructor(what = 'xlat') {
    super(`${what} needs root privileges (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN): run it as root or with sudo`, {
      exitCode: EXIT.permission,
    });
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

/** Words for the errno codes a file or a namespace operation can meet (never a bare ENOENT). */
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EBUSY: 'the resource is busy',
  EEXIST: 'it exists already',
  ENOSPC: 'no space left',
  EINVAL: 'invalid argument',
  EADDRNOTAVAIL: "the address is not one of this namespace's",
};

/** "no such file or directory" for an fs error (its code in words), or its message. */
export function describeSystemError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in ERRNO_WORDS) return ERRNO_WORDS[code];
  if (err instanceof Error) return err.message.replace(/^E[A-Z]+: /, '');
  return String(err);
}
