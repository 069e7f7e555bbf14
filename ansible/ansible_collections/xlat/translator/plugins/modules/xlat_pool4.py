#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: xlat_pool4
short_description: Add or remove one NAT64 pool4 entry
description:
  - Makes sure one pool4 entry (IPv4 prefix, port range, protocol, mark) is, or is not, in the NAT64 instance's pool4.
  - Runs C(xlat nat64 pool4 display/add/remove). While a protocol has no entry, xlat uses the namespace's own IPv4
    addresses; those defaults are not entries and this module neither sees nor removes them.
version_added: "0.1.0"
author:
  - xlat contributors
extends_documentation_fragment:
  - xlat.translator.xlat
options:
  prefix:
    description: IPv4 prefix (or address) of the entry.
    type: str
    required: true
  ports:
    description:
      - Port (or ICMP identifier) range C(FIRST-LAST), or one port.
      - Default when adding is xlat's (1-65535, 0-65535 for ICMP); when comparing, any range of the prefix matches.
    type: str
  proto:
    description: Protocol of the entry.
    type: str
    choices: [tcp, udp, icmp]
    default: tcp
  mark:
    description: Only for packets with this mark.
    type: int
    default: 0
  force:
    description: Accept a prefix shorter than /24.
    type: bool
    default: false
  state:
    description: Whether the entry should be in pool4.
    type: str
    choices: [present, absent]
    default: present
'''

EXAMPLES = r'''
- name: TCP and UDP from 192.0.2.1, ports 61001-65535
  xlat.translator.xlat_pool4:
    prefix: 192.0.2.1
    ports: 61001-65535
    proto: "{{ item }}"
  loop: [tcp, udp, icmp]

- name: Drop an entry
  xlat.translator.xlat_pool4:
    prefix: 192.0.2.1/32
    proto: udp
    state: absent
'''

RETURN = r'''
pool4:
  description: The configured pool4 entries before the task's change (proto, prefix, ports, mark).
  returned: always
  type: list
  elements: dict
commands:
  description: The xlat commands the task ran (or, in check mode, would run).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlat.translator.plugins.module_utils import xlat_cli


def ports_of(text):
    if text is None:
        return None
    first, sep, last = str(text).partition('-')
    try:
        return [int(first), int(last if sep else first)]
    except ValueError:
        return 'invalid'


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prefix=dict(type='str', required=True),
            ports=dict(type='str'),
            proto=dict(type='str', default='tcp', choices=['tcp', 'udp', 'icmp']),
            mark=dict(type='int', default=0),
            force=dict(type='bool', default=False),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            **xlat_cli.COMMON_ARGS
        ),
        supports_check_mode=True,
    )
    p = module.params
    xlat = xlat_cli.Xlat(module)
    ports = ports_of(p['ports'])
    try:
        entries = xlat_cli.pool4_entries(xlat.read_table('nat64', 'pool4', 'display', '--' + p['proto']) or {})
        match = [e for e in entries if e['proto'] == p['proto'] and e['mark'] == p['mark']
                 and xlat_cli.same_prefix(e['prefix'], p['prefix']) and (ports is None or e['ports'] == ports)]
        if p['state'] == 'present' and not match:
            words = ['nat64', 'pool4', 'add', '--' + p['proto'], p['prefix']]
            if p['ports'] is not None:
                words.append(p['ports'])
            if p['mark']:
                words += ['--mark', p['mark']]
            if p['force']:
                words.append('--force')
            xlat.change(*words)
        elif p['state'] == 'absent':
            for e in match:
                xlat.change('nat64', 'pool4', 'remove', '--' + p['proto'], e['prefix'], '%d-%d' % tuple(e['ports']))
        result = dict(changed=bool(xlat.commands), commands=xlat.commands, pool4=entries)
        if module._diff:
            wanted = dict(proto=p['proto'], prefix=p['prefix'], ports=ports or 'default', mark=p['mark'])
            result['diff'] = dict(before=dict(entries=match),
                                  after=dict(entries=(match or [wanted]) if p['state'] == 'present' else []))
        module.exit_json(**result)
    except xlat_cli.XlatError as e:
        xlat.fail(e)


if __name__ == '__main__':
    main()
