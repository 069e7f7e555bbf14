#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: xlat_eamt
short_description: Add or remove one entry of the SIIT Explicit Address Mapping Table (RFC 7757)
description:
  - Makes sure one EAMT entry (an IPv6 prefix mapped to an IPv4 prefix) is, or is not, in the SIIT instance's EAMT.
  - Runs C(xlat siit eamt display/add/remove). Prefixes are compared as networks, so any spelling matches.
  - xlat refuses an entry whose prefix is already mapped elsewhere, or that overlaps another without I(force);
    the task then fails with xlat's message.
version_added: "0.1.0"
author:
  - xlat contributors
extends_documentation_fragment:
  - xlat.translator.xlat
options:
  ipv6_prefix:
    description: IPv6 prefix of the entry (a bare address is a /128).
    type: str
    required: true
  ipv4_prefix:
    description:
      - IPv4 prefix of the entry (a bare address is a /32).
      - Required for I(state=present); with I(state=absent) the IPv6 prefix alone identifies the entry.
    type: str
  state:
    description: Whether the entry should be in the EAMT.
    type: str
    choices: [present, absent]
    default: present
  force:
    description: Add even if the prefixes overlap an existing entry (the longest prefix then wins).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Map 2001:db8:6::/120 to 192.0.2.0/24
  xlat.translator.xlat_eamt:
    ipv6_prefix: 2001:db8:6::/120
    ipv4_prefix: 192.0.2.0/24

- name: Remove it again, in namespace "red"
  xlat.translator.xlat_eamt:
    netns: red
    ipv6_prefix: 2001:db8:6::/120
    state: absent
'''

RETURN = r'''
eamt:
  description: The EAMT before the task's change (each entry with ipv6_prefix and ipv4_prefix).
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
            ipv6_prefix=dict(type='str', required=True),
            ipv4_prefix=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            force=dict(type='bool', default=False),
            **xlat_cli.COMMON_ARGS
        ),
        required_if=[('state', 'present', ['ipv4_prefix'])],
        supports_check_mode=True,
    )
    p = module.params
    xlat = xlat_cli.Xlat(module)
    try:
        table = xlat_cli.eamt_entries(xlat.read_table('siit', 'eamt', 'display'))
        match = [e for e in table if xlat_cli.same_prefix(e['ipv6_prefix'], p['ipv6_prefix'])
                 and (p['ipv4_prefix'] is None or xlat_cli.same_prefix(e['ipv4_prefix'], p['ipv4_prefix']))]
        diff = xlat_cli.ensure_entry(
            xlat, p['state'], match, dict(ipv6_prefix=p['ipv6_prefix'], ipv4_prefix=p['ipv4_prefix']),
            ['siit', 'eamt', 'add', p['ipv6_prefix'], p['ipv4_prefix']] + (['--force'] if p['force'] else []),
            lambda e: ['siit', 'eamt', 'remove', e['ipv6_prefix'], e['ipv4_prefix']])
        xlat.exit(eamt=table, **(dict(diff=diff) if module._diff else {}))
    except xlat_cli.XlatError as e:
        xlat.fail(e)


if __name__ == '__main__':
    main()
