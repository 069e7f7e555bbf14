#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: xlat_bib
short_description: Add or remove one static NAT64 BIB entry (a port forward from IPv4 to an IPv6 node)
description:
  - Makes sure one static binding (IPv6 transport address to IPv4 transport address) is, or is not, in the NAT64
    instance's BIB for a protocol.
  - Runs C(xlat nat64 bib display/add/remove). Dynamic entries (made by traffic) are never touched.
version_added: "0.1.0"
author:
  - xlat contributors
extends_documentation_fragment:
  - xlat.translator.xlat
options:
  ipv6:
    description: IPv6 transport address C(ADDR#PORT).
    type: str
    required: true
  ipv4:
    description:
      - IPv4 transport address C(ADDR#PORT), in pool4.
      - Required for I(state=present).
    type: str
  proto:
    description: Protocol of the binding.
    type: str
    choices: [tcp, udp, icmp]
    default: tcp
  state:
    description: Whether the static entry should be in the BIB.
    type: str
    choices: [present, absent]
    default: present
'''

EXAMPLES = r'''
- name: IPv4 clients reach the IPv6 web server through 192.0.2.1 port 80
  xlat.translator.xlat_bib:
    proto: tcp
    ipv6: "2001:db8:1::8#80"
    ipv4: "192.0.2.1#80"
'''

RETURN = r'''
bib:
  description: The BIB of the protocol before the task's change (proto, static, ipv6, ipv4).
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
            ipv6=dict(type='str', required=True),
            ipv4=dict(type='str'),
            proto=dict(type='str', default='tcp', choices=['tcp', 'udp', 'icmp']),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            **xlat_cli.COMMON_ARGS
        ),
        required_if=[('state', 'present', ['ipv4'])],
        supports_check_mode=True,
    )
    p = module.params
    xlat = xlat_cli.Xlat(module)
    try:
        bib = xlat_cli.bib_entries(xlat.read_table('nat64', 'bib', 'display', '--' + p['proto']))
        match = [e for e in bib if e['static'] and xlat_cli.same_transport(e['ipv6'], p['ipv6'])
                 and (p['ipv4'] is None or xlat_cli.same_transport(e['ipv4'], p['ipv4']))]
        diff = xlat_cli.ensure_entry(
            xlat, p['state'], match, dict(proto=p['proto'], static=True, ipv6=p['ipv6'], ipv4=p['ipv4']),
            ['nat64', 'bib', 'add', '--' + p['proto'], p['ipv6'], p['ipv4']],
            lambda e: ['nat64', 'bib', 'remove', '--' + p['proto'], e['ipv6'], e['ipv4']])
        xlat.exit(bib=bib, **(dict(diff=diff) if module._diff else {}))
    except xlat_cli.XlatError as e:
        xlat.fail(e)


if __name__ == '__main__':
    main()
