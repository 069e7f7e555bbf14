#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: xlat_info
short_description: Read xlat's instances, globals, tables and counters as facts
description:
  - Reads, for each requested translator type, the instance and (when it exists) its globals, tables and counters,
    from C(xlat ... display --json), and returns them as the fact C(xlat).
  - Changes nothing.
version_added: "0.1.0"
author:
  - xlat contributors
extends_documentation_fragment:
  - xlat.translator.xlat
options:
  types:
    description: Which translators to read.
    type: list
    elements: str
    choices: [siit, nat64]
    default: [siit, nat64]
  gather:
    description:
      - What to read of an existing instance. C(session) lists NAT64 sessions (TCP, UDP and ICMP), which may be many.
      - C(eamt) and C(denylist4) are read for SIIT, C(pool4), C(bib) and C(session) for NAT64.
    type: list
    elements: str
    choices: [global, stats, eamt, denylist4, pool4, bib, session]
    default: [global, stats, eamt, denylist4, pool4, bib]
'''

EXAMPLES = r'''
- name: Read everything but the sessions
  xlat.translator.xlat_info:

- name: NAT64 sessions of namespace "red"
  xlat.translator.xlat_info:
    netns: red
    types: [nat64]
    gather: [session]
  register: info

- name: Show the number of TCP sessions
  ansible.builtin.debug:
    msg: "{{ info.xlat.nat64.session.tcp | length }}"
'''

RETURN = r'''
xlat:
  description:
    - Per translator type (siit, nat64), C(instance) (null when there is none) and, for an existing instance, the
      gathered items. Also set as the fact C(xlat).
    - C(instance), C(global), C(stats) and C(session) are as xlat reports them (kebab-case keys); table entries use
      the option names of the modules that manage them (C(eamt) as in xlat_eamt, C(pool4) as in xlat_pool4,
      C(bib) per protocol as in xlat_bib), so an entry read back can be written in a task as it is.
  returned: always
  type: dict
  sample: {"siit": {"instance": {"type": "SIIT", "pool6": "64:ff9b::/96"}, "global": {"manually-enabled": true},
           "eamt": [{"ipv6_prefix": "2001:db8:6::/120", "ipv4_prefix": "192.0.2.0/24"}], "denylist4": ["192.0.2.0/24"],
           "stats": {"xlat-6to4": 12}},
           "nat64": {"instance": {"type": "NAT64", "pool6": "64:ff9b::/96"},
                     "pool4": [{"proto": "tcp", "prefix": "198.51.100.1/32", "ports": "61001-65535", "mark": 0}],
                     "bib": {"tcp": [{"proto": "tcp", "static": true, "ipv6": "2001:db8::8#80", "ipv4": "198.51.100.1#61080"}],
                             "udp": [], "icmp": []}}}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlat.translator.plugins.module_utils import xlat_cli

def read(xlat, mode, gather):
    info = dict(instance=xlat_cli.instance(xlat.run(mode, 'instance', 'display')))
    if info['instance'] is None:
        return info
    if 'global' in gather:
        info['global'] = xlat_cli.globals_(xlat.run(mode, 'global', 'display'))
    if 'stats' in gather:
        info['stats'] = xlat_cli.stats(xlat.run(mode, 'stats', 'display'))
    if mode == 'siit':
        if 'eamt' in gather:
            info['eamt'] = xlat_cli.eamt_entries(xlat.run('siit', 'eamt', 'display'))
        if 'denylist4' in gather:
            info['denylist4'] = xlat_cli.denylist4_entries(xlat.run('siit', 'denylist4', 'display'))
    else:
        if 'pool4' in gather:
            info['pool4'] = xlat_cli.pool4_entries(xlat.run('nat64', 'pool4', 'display'))
        if 'bib' in gather:
            info['bib'] = dict((p, xlat_cli.bib_entries(xlat.run('nat64', 'bib', 'display', '--' + p))) for p in xlat_cli.PROTOS)
        if 'session' in gather:
            info['session'] = dict((p, xlat_cli.session_entries(xlat.run('nat64', 'session', 'display', '--' + p))) for p in xlat_cli.PROTOS)
    return info


def main():
    module = AnsibleModule(
        argument_spec=dict(
            types=dict(type='list', elements='str', choices=['siit', 'nat64'], default=['siit', 'nat64']),
            gather=dict(type='list', elements='str', choices=['global', 'stats', 'eamt', 'denylist4', 'pool4', 'bib', 'session'],
                        default=['global', 'stats', 'eamt', 'denylist4', 'pool4', 'bib']),
            **xlat_cli.COMMON_ARGS
        ),
        supports_check_mode=True,
    )
    xlat = xlat_cli.Xlat(module)
    try:
        facts = dict((mode, read(xlat, mode, module.params['gather'])) for mode in module.params['types'])
    except xlat_cli.XlatError as e:
        xlat.fail(e)
    xlat.exit(changed=False, xlat=facts, ansible_facts=dict(xlat=facts))


if __name__ == '__main__':
    main()
