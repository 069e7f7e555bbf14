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
  - Makes sure the transport addresses of an IPv4 prefix and port range (for a protocol and mark) are, or are not,
    in the NAT64 instance's pool4.
  - Runs C(xlat nat64 pool4 display/add/remove). pool4 is a set of addresses and ports, which xlat merges and
    splits as ranges are added and removed; the module compares sets, so C(present) is true when the range is held,
    whether by one entry or several, and C(absent) when no part of it is.
  - While a protocol has no entry, xlat uses the namespace's own IPv4 addresses; those defaults are not entries
    and this module neither sees nor removes them.
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
      - Default when adding is xlat's (61001-65535); when removing, every port of the prefix.
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
  description:
    - The configured pool4 entries of the protocol before the task's change (proto, prefix, ports C(FIRST-LAST),
      mark, max_iterations), as xlat stores them.
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
    try:
        ports = xlat_cli.port_range(p['ports'])
    except ValueError:
        ports = None
    try:
        entries = xlat_cli.pool4_entries(xlat.read_table('nat64', 'pool4', 'display', '--' + p['proto']))
        mine = [e for e in entries if e['proto'] == p['proto'] and e['mark'] == p['mark']]
        try:
            # Without ports, adding means xlat's default range (61001-65535) and removing means every port.
            held = xlat_cli.pool4_coverage(mine, p['prefix'], ports if ports or p['state'] == 'absent' else (61001, 65535))
        except ValueError:
            # A malformed prefix or range: xlat says what is wrong with it.
            held = 'none' if p['state'] == 'present' else 'some'
        target = [p['prefix']] + ([p['ports']] if p['ports'] is not None else [])
        if p['state'] == 'present' and held != 'all':
            words = ['nat64', 'pool4', 'add', '--' + p['proto']] + target
            if p['mark']:
                words += ['--mark', p['mark']]
            if p['force']:
                words.append('--force')
            xlat.change(*words)
        elif p['state'] == 'absent' and held != 'none':
            words = ['nat64', 'pool4', 'remove', '--' + p['proto']] + target
            if p['mark']:
                words += ['--mark', p['mark']]
            xlat.change(*words)
        result = dict(pool4=entries)
        if module._diff:
            what = '%s %s ports %s mark %d' % (p['proto'].upper(), p['prefix'], p['ports'] or 'default', p['mark'])
            words = dict(all='in pool4', some='partly in pool4', none='not in pool4')
            result['diff'] = dict(before='%s: %s\n' % (what, words[held]),
                                  after='%s: %s\n' % (what, words['all' if p['state'] == 'present' else 'none']))
        xlat.exit(**result)
    except xlat_cli.XlatError as e:
        xlat.fail(e)


if __name__ == '__main__':
    main()
