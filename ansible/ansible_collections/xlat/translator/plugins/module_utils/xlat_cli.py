# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
"""The one place that runs xlat and reads its --json output.

The modules decide nothing about translation themselves: they ask xlat what is there, compare with what the
task asks for, and run xlat to change it. Everything that knows the shape of xlat's JSON (which key holds the
instance, the EAMT rows, pool4 entries, BIB entries, ...) lives in this file, so a change of the CLI's JSON
contract is adapted here only.
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


class XlatError(Exception):
    """xlat failed: carries its own one-line message (without the "Error: " prefix)."""

    def __init__(self, message, rc=None, cmd=None):
        super(XlatError, self).__init__(message)
        self.message = message
        self.rc = rc
        self.cmd = cmd


class Xlat(object):
    """Runs `xlat MODE TOPIC OPERATION ... --json [-n NETNS]` for one module invocation."""

    def __init__(self, module):
        self.module = module
        path = module.params.get('xlat_path')
        self.binary = path if path else module.get_bin_path('xlat', required=False)
        if not self.binary:
            module.fail_json(msg='xlat was not found in PATH (install it, e.g. with the xlat.translator.xlat role, or set xlat_path)')
        self.netns = module.params.get('netns')
        self.commands = []

    def argv(self, words):
        argv = [self.binary] + [str(w) for w in words] + ['--json']
        if self.netns:
            argv += ['-n', self.netns]
        return argv

    def run(self, *words):
        """Runs xlat and returns its parsed JSON; raises XlatError with xlat's own message on failure."""
        argv = self.argv(words)
        rc, out, err = self.module.run_command(argv, environ_update={'NO_COLOR': '1'})
        data = None
        if out.strip():
            try:
                data = json.loads(out)
            except ValueError:
                data = None
        if rc != 0 or (isinstance(data, dict) and 'error' in data and len(data) == 1):
            raise XlatError(error_message(data, err, out), rc=rc, cmd=' '.join(argv))
        if data is None:
            raise XlatError('xlat printed no JSON: %s' % (err.strip() or out.strip() or 'no output'), rc=rc, cmd=' '.join(argv))
        return data

    def read_table(self, mode, *words):
        """Runs a display command of an instance's table. In check mode, an instance that does not exist yet (an
        earlier task would have created it) has empty tables rather than failing the task; None stands for those."""
        if self.module.check_mode and instance(self.run(mode, 'instance', 'display')) is None:
            return None
        return self.run(mode, *words)

    def change(self, *words):
        """Runs a changing command, unless in check mode; records it for the `commands` return value."""
        self.commands.append(' '.join(self.argv(words)))
        if self.module.check_mode:
            return None
        return self.run(*words)

    def has_command(self, *words):
        """Whether this xlat knows the command (for features that newer releases bring)."""
        rc, out, err = self.module.run_command([self.binary] + list(words) + ['--help'])
        return rc == 0

    def fail(self, error, **result):
        """Fails the task with xlat's one-line message in msg."""
        result.setdefault('commands', self.commands)
        if error.cmd:
            result['cmd'] = error.cmd
        if error.rc is not None:
            result['rc'] = error.rc
        self.module.fail_json(msg=error.message, **result)


def error_message(data, stderr, stdout):
    """xlat's one-line message: from {"error": {"message"}} with --json, else its `Error: ...` line."""
    if isinstance(data, dict) and isinstance(data.get('error'), dict) and data['error'].get('message'):
        return data['error']['message']
    for line in (stderr or '').splitlines() + (stdout or '').splitlines():
        if line.startswith('Error: '):
            return line[len('Error: '):].strip()
    text = (stderr or stdout or '').strip()
    return text.splitlines()[0] if text else 'xlat failed without a message'


# ---- Reading xlat's JSON: one function per shape -------------------------------------------------------------

def instance(data):
    """`<mode> instance display`: the instance object, or None when the namespace has none."""
    return data.get('instance') if isinstance(data, dict) else None


def instance_view(inst):
    """What the modules compare and report of an instance."""
    if inst is None:
        return None
    view = dict(
        pool6=inst.get('pool6'),
        interfaces=sorted(i['name'] for i in inst.get('interfaces', [])),
        hooks=dict((i['name'], '%s/%s' % (i.get('hook'), i.get('mode'))) for i in inst.get('interfaces', [])),
        enabled=inst.get('enabled'),
    )
    if 'capacity' in inst:
        view['capacity'] = inst['capacity']
    return view


def eamt_entries(data):
    """`siit eamt display`: a list of {ipv6_prefix, ipv4_prefix}."""
    return [dict(ipv6_prefix=e['ipv6Prefix'], ipv4_prefix=e['ipv4Prefix']) for e in data]


def denylist4_entries(data):
    """`siit denylist4 display`: a list of prefixes (strings)."""
    rows = data.get('denylist4', data.get('entries', [])) if isinstance(data, dict) else data
    return [r if isinstance(r, str) else r.get('prefix') for r in rows]


def pool4_entries(data):
    """`nat64 pool4 display`: the configured entries {proto, prefix, ports: [first, last], mark} (not the defaults)."""
    return [dict(proto=e['proto'], prefix=e['prefix'], ports=list(e['ports']), mark=e.get('mark', 0)) for e in data.get('entries', [])]


def bib_entries(data):
    """`nat64 bib display --PROTO`: a list of {proto, static, ipv6, ipv4} (transport addresses ADDR#PORT)."""
    return [dict(proto=e['protocol'].lower(), static=e['static'], ipv6=e['ipv6'], ipv4=e['ipv4']) for e in data.get('bib', [])]


def session_entries(data):
    """`nat64 session display --PROTO`: the session list as xlat gives it."""
    return data.get('sessions', []) if isinstance(data, dict) else data


def stats(data):
    """`<mode> stats display`: counter name -> value."""
    return data.get('stats', data) if isinstance(data, dict) else data


def globals_(data):
    """`<mode> global display`: key -> value, keys as xlat names them (pool6, manually-enabled, ...)."""
    return data


def file_handle_result(data):
    """`<mode> file handle FILE`: {changed: bool, changes: [...]}, as the configuration-file command reports it."""
    return bool(data.get('changed')), data.get('changes', [])


# ---- Comparing addresses as values, not strings ----------------------------------------------------------------

def same_prefix(a, b):
    """Whether two prefixes (or bare addresses) are the same network, whatever their spelling."""
    try:
        return ipaddress.ip_network(str(a), strict=False) == ipaddress.ip_network(str(b), strict=False)
    except ValueError:
        return str(a) == str(b)


def same_transport(a, b):
    """Whether two ADDR#PORT transport addresses are the same."""
    try:
        addr_a, port_a = str(a).rsplit('#', 1)
        addr_b, port_b = str(b).rsplit('#', 1)
        return ipaddress.ip_address(addr_a) == ipaddress.ip_address(addr_b) and int(port_a) == int(port_b)
    except ValueError:
        return str(a) == str(b)
