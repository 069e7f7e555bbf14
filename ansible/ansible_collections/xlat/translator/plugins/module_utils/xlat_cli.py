# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
"""The one place that runs xlat and reads its --json output.

The modules decide nothing about translation themselves: they ask xlat what is there, compare with what the
task asks for, and run xlat to change it. Everything that knows xlat's JSON contract (the README's "The CLI
contract", schema/output.schema.json) lives in this file, so a change of that contract is adapted here only:

- success: one envelope on stdout, {"ok": true, "command", "changed", "result", "warnings"};
- failure: one JSON line on stderr, {"ok": false, "command", "error": {"kind", "message", "exit-code"}}, exit
  code 2 (input), 3 (not found), 4 (exists), 5 (needs root), 1 (the system refused);
- keys are kebab-case, transport addresses ADDR#PORT, protocols TCP/UDP/ICMP.

What the modules return of xlat's tables uses the modules' own option names (ipv6_prefix, proto, ports, ...), so
that an entry read back can be written in a task as it is; instances, globals, counters and sessions are returned
as xlat reports them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json

# Options every module takes (documented by the xlat.translator.xlat doc fragment).
COMMON_ARGS = dict(
    netns=dict(type='str'),
    xlat_path=dict(type='path'),
)

PROTOS = ('tcp', 'udp', 'icmp')


class XlatError(Exception):
    """xlat failed: carries its own one-line message (without the "Error: " prefix) and its error kind."""

    def __init__(self, message, rc=None, cmd=None, kind=None, problems=None):
        super(XlatError, self).__init__(message)
        self.message = message
        self.rc = rc
        self.cmd = cmd
        self.kind = kind
        self.problems = problems or []


class Xlat(object):
    """Runs `xlat MODE TOPIC OPERATION ... --json [-n NETNS]` for one module invocation.

    `commands` lists the changing commands the task ran (or would run, in check mode); `changed` is true when xlat
    said one of them changed the kernel's state; `warnings` collects xlat's warnings, which the module passes on."""

    def __init__(self, module):
        self.module = module
        path = module.params.get('xlat_path')
        self.binary = path if path else module.get_bin_path('xlat', required=False)
        if not self.binary:
            module.fail_json(msg='xlat was not found in PATH (install it, e.g. with the xlat.translator.xlat role, or set xlat_path)')
        self.netns = module.params.get('netns')
        self.commands = []
        self.changed = False
        self.warnings = []

    def argv(self, words):
        argv = [self.binary] + [str(w) for w in words] + ['--json']
        if self.netns:
            argv += ['-n', self.netns]
        return argv

    def envelope(self, words, data=None):
        """Runs xlat; returns its success envelope, or raises XlatError with xlat's own message.
        data: what xlat reads on standard input (`file handle -`)."""
        argv = self.argv(words)
        rc, out, err = self.module.run_command(argv, data=data, environ_update={'NO_COLOR': '1'})
        env = success_envelope(out)
        if rc != 0 or env is None:
            failure = failure_envelope(err)
            if failure is not None:
                error = failure['error']
                raise XlatError(error.get('message') or 'xlat failed without a message', rc=rc, cmd=' '.join(argv),
                                kind=error.get('kind'), problems=error.get('problems'))
            raise XlatError(plain_message(err, out, rc), rc=rc, cmd=' '.join(argv))
        for w in env.get('warnings') or []:
            if w not in self.warnings:
                self.warnings.append(w)
        return env

    def run(self, *words):
        """Runs a command that changes nothing; returns its `result` object."""
        return self.envelope(words)['result']

    def read_table(self, mode, *words):
        """Runs a display command of an instance's table. In check mode, an instance that does not exist yet (an
        earlier task would have created it) has empty tables rather than failing the task; None stands for those."""
        try:
            return self.run(mode, *words)
        except XlatError as e:
            if self.module.check_mode and e.kind == 'not-found':
                return None
            raise

    def change(self, *words, **kwargs):
        """Runs a changing command, unless in check mode; records it for the `commands` return value and returns
        its `result` (None in check mode). data=...: standard input for the command."""
        self.commands.append(' '.join(self.argv(words)))
        if self.module.check_mode:
            return None
        env = self.envelope(words, data=kwargs.get('data'))
        self.changed = self.changed or bool(env.get('changed'))
        return env['result']

    def task_changed(self):
        """The task's `changed`: what xlat said it changed; in check mode, whether a change would be made."""
        return bool(self.commands) if self.module.check_mode else self.changed

    def exit(self, **result):
        """Ends the task successfully, with the commands and xlat's warnings."""
        result.setdefault('changed', self.task_changed())
        result.setdefault('commands', self.commands)
        if self.warnings:
            result['warnings'] = list(self.warnings)
        self.module.exit_json(**result)

    def fail(self, error, **result):
        """Fails the task with xlat's one-line message in msg (and, for a configuration file, every problem)."""
        result.setdefault('commands', self.commands)
        result.setdefault('changed', self.changed)
        if error.cmd:
            result['cmd'] = error.cmd
        if error.rc is not None:
            result['rc'] = error.rc
        if error.kind:
            result['kind'] = error.kind
        if error.problems:
            result['problems'] = error.problems
        self.module.fail_json(msg=error.message, **result)


def success_envelope(stdout):
    """The success envelope on stdout, or None."""
    try:
        data = json.loads(stdout) if stdout and stdout.strip() else None
    except ValueError:
        return None
    if isinstance(data, dict) and data.get('ok') is True and isinstance(data.get('result'), dict):
        return data
    return None


def failure_envelope(stderr):
    """The failure line on stderr ({"ok": false, "error": {...}}), or None. Other lines (warnings) are skipped."""
    for line in reversed((stderr or '').splitlines()):
        line = line.strip()
        if not line.startswith('{'):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get('ok') is False and isinstance(data.get('error'), dict):
            return data
    return None


def plain_message(stderr, stdout, rc):
    """A message when xlat printed no JSON (it did not start, or is not this xlat): its `Error: ...` line, else
    its first line of output."""
    for line in (stderr or '').splitlines() + (stdout or '').splitlines():
        if line.startswith('Error: '):
            return line[len('Error: '):].strip()
    text = (stderr or stdout or '').strip()
    if text:
        return 'xlat printed no JSON (exit %s): %s' % (rc, text.splitlines()[0])
    return 'xlat printed no JSON and no message (exit %s)' % rc


# ---- Reading xlat's results: one function per shape -----------------------------------------------------------

def instance(result):
    """`<mode> instance display` ({"instances": [...]}, this namespace's only): the instance, or None."""
    instances = result.get('instances') or []
    return instances[0] if instances else None


def added_instance(result):
    """`instance add|attach|detach`: {"instance": {...}}."""
    return result.get('instance')


def instance_view(inst):
    """What the modules compare and report of an instance: pool6, interface names, hook/mode per interface."""
    if inst is None:
        return None
    view = dict(
        pool6=inst.get('pool6'),
        interfaces=sorted(i['name'] for i in inst.get('interfaces', [])),
        hooks=dict((i['name'], '%s/%s' % (i.get('hook'), i.get('mode'))) for i in inst.get('interfaces', [])),
        status=inst.get('status'),
    )
    if inst.get('capacity') is not None:
        view['capacity'] = inst['capacity']
    return view


def eamt_entries(result):
    """`siit eamt display`: a list of {ipv6_prefix, ipv4_prefix}."""
    return [dict(ipv6_prefix=e['ipv6-prefix'], ipv4_prefix=e['ipv4-prefix']) for e in (result or {}).get('eamt', [])]


def denylist4_entries(result):
    """`siit denylist4 display`: a list of prefixes (strings)."""
    return [e['prefix'] for e in (result or {}).get('denylist4', [])]


def pool4_entry(e):
    entry = dict(proto=e['protocol'].lower(), prefix=e['prefix'], ports=e['port-range'], mark=e.get('mark', 0))
    if 'max-iterations' in e:
        entry['max_iterations'] = e['max-iterations']
    return entry


def pool4_entries(result):
    """`nat64 pool4 display`: the configured entries {proto, prefix, ports: "FIRST-LAST", mark, max_iterations}
    (not the defaults: the namespace's own addresses, used while a protocol has no entry)."""
    return [pool4_entry(e) for e in (result or {}).get('pool4', [])]


def bib_entries(result):
    """`nat64 bib display --PROTO`: a list of {proto, static, ipv6, ipv4} (transport addresses ADDR#PORT)."""
    return [dict(proto=e['protocol'].lower(), static=e['static'], ipv6=e['ipv6-address'], ipv4=e['ipv4-address'])
            for e in (result or {}).get('bib', [])]


def session_entries(result):
    """`nat64 session display --PROTO`: the sessions as xlat gives them."""
    return result.get('sessions', [])


def stats(result):
    """`<mode> stats display`: counter name -> value."""
    return result.get('stats', {})


def globals_(result):
    """`<mode> global display`: key -> value, keys as xlat names them (pool6, manually-enabled, ...)."""
    return result.get('global', {})


def file_handle_result(result):
    """`<mode> file handle FILE`: (changed, changes, notes). In check mode `changed` says what would change."""
    return bool(result.get('changed')), result.get('changes', []), result.get('notes', [])


def ensure_entry(xlat, state, match, wanted, add_words, remove_words):
    """Makes one table entry present or absent: match is the matching entries found (the first is the one
    removed), add_words the command adding `wanted`, remove_words(entry) the one removing an entry. Returns the
    diff (before and after) for --diff."""
    if state == 'present' and not match:
        xlat.change(*add_words)
    elif state == 'absent' and match:
        xlat.change(*remove_words(match[0]))
    before = match[0] if match else None
    return dict(before=dict(entry=before), after=dict(entry=(before or wanted) if state == 'present' else None))


def diff_text(changes):
    """The lines `file handle --diff` prints, one per change (+ added, - removed, ~ updated)."""
    return ''.join('%s\n' % c.get('text', '') for c in changes)


# ---- Comparing addresses as values, not strings ----------------------------------------------------------------

def same_prefix(a, b):
    """Whether two prefixes (or bare addresses) are the same network, whatever their spelling."""
    try:
        return ipaddress.ip_network(u'%s' % a, strict=False) == ipaddress.ip_network(u'%s' % b, strict=False)
    except ValueError:
        return str(a) == str(b)


def same_transport(a, b):
    """Whether two ADDR#PORT transport addresses are the same."""
    try:
        addr_a, port_a = str(a).rsplit('#', 1)
        addr_b, port_b = str(b).rsplit('#', 1)
        return ipaddress.ip_address(u'%s' % addr_a) == ipaddress.ip_address(u'%s' % addr_b) and int(port_a) == int(port_b)
    except ValueError:
        return str(a) == str(b)


def port_range(text):
    """"FIRST-LAST" or "PORT" -> (first, last); None for None; ValueError when malformed."""
    if text is None:
        return None
    first, sep, last = str(text).partition('-')
    return int(first), int(last if sep else first)


def pool4_coverage(entries, prefix, ports):
    """How much of (prefix, ports) the pool4 entries (one protocol and mark) hold: 'all', 'some' or 'none'.
    pool4 is a set of (address, port) pairs, which xlat stores merged and split as it likes, so the comparison is
    made address by address; ports None means any port of the address counts."""
    net = ipaddress.ip_network(u'%s' % prefix, strict=False)
    ranges = []
    for e in entries:
        ranges.append((ipaddress.ip_network(u'%s' % e['prefix'], strict=False), port_range(e['ports'])))
    full = True
    some = False
    for addr in net:
        held = sorted(r for n, r in ranges if addr in n)
        if ports is None:
            covered = bool(held)
            touched = covered
        else:
            first, last = ports
            touched = any(a <= last and b >= first for a, b in held)
            covered = False
            nxt = first
            for a, b in held:
                if a > nxt:
                    break
                nxt = max(nxt, b + 1)
                if nxt > last:
                    covered = True
                    break
        full = full and covered
        some = some or touched
    return 'all' if full else ('some' if some else 'none')
